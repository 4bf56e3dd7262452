"""The "EPDS rose reliably" rule at, below and above the reliable change (Matthey 2004)."""

import pytest

from portal.flags import RULES, Thresholds, evaluate
from tests.unit.test_flags import ago, client, epds, gad7


def rose(*responses, **overrides):
    return RULES["epds_rose"](client(questionnaires=responses), Thresholds(**overrides))


@pytest.mark.parametrize(
    ("previous", "latest", "fires"),
    [
        (5, 8, False),  # +3: within measurement error
        (5, 9, True),  # +4: the reliable change
        (5, 20, True),
        (9, 9, False),
        (14, 9, False),  # a reliable fall is good news, not a flag
        (0, 3, False),
        (0, 4, True),
    ],
)
def test_epds_rose_reliably_between_the_last_two(previous, latest, fires):
    result = rose(epds(previous, id=1, on=ago(30)), epds(latest, id=2, on=ago(1)))

    assert (result is not None) is fires
    if fires:
        assert result.level == "low" and result.key == "2"
        assert result.evidence["rise"] == latest - previous
        assert result.evidence["previous_total"] == previous
        assert result.evidence["previous_submitted_on"] == ago(30).isoformat()


def test_only_the_last_two_epds_count():
    # 4 -> 12 long ago, then 12 -> 13: the latest rise is within measurement error.
    assert rose(epds(4, id=1, on=ago(60)), epds(12, id=2, on=ago(30)), epds(13, id=3)) is None
    # 20 -> 3 -> 7: the last two rose reliably, though the total is far below the first.
    assert rose(epds(20, id=1, on=ago(60)), epds(3, id=2, on=ago(30)), epds(7, id=3)) is not None


def test_one_epds_or_other_instruments_never_fire():
    assert rose(epds(20)) is None
    assert rose(gad7(2, id=1, on=ago(20)), gad7(15, id=2)) is None
    assert rose(epds(2, id=1, on=ago(20)), gad7(15, id=2)) is None


def test_a_future_response_is_ignored_and_the_same_day_goes_by_id():
    assert rose(epds(2, id=1, on=ago(5)), epds(12, id=2, on=ago(-1))) is None
    assert rose(epds(12, id=2, on=ago(0)), epds(2, id=1, on=ago(0))) is not None


def test_the_practice_can_set_the_reliable_rise():
    assert rose(epds(5, id=1, on=ago(9)), epds(8, id=2), epds_reliable_rise=3) is not None


def test_it_stands_beside_the_band_flags():
    data = client(questionnaires=(epds(8, id=1, on=ago(14)), epds(14, id=2)))

    assert [result.rule for result in evaluate(data)] == ["epds_high", "epds_rose"]
