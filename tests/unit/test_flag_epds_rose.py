"""The "EPDS rose reliably" rule at, below and above the reliable change (Matthey 2004), measured
from her lowest EPDS in the 90 days before the latest, not only from the previous one."""

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


def test_a_slow_climb_of_small_steps_fires_from_her_lowest():
    # 0 -> 3 -> 6: each step within measurement error, 6 above her lowest.
    result = rose(epds(0, id=1, on=ago(56)), epds(3, id=2, on=ago(28)), epds(6, id=3))

    assert result is not None and result.key == "3"
    assert result.evidence["rise"] == 6
    assert result.evidence["previous_total"] == 0
    assert result.evidence["previous_submitted_on"] == ago(56).isoformat()
    assert result.evidence["compared_with"] == "lowest_in_window"


@pytest.mark.parametrize(
    ("responses", "fires"),
    [
        # Measured from her lowest, not from the first or the previous one.
        ((4, 12, 13), True),  # 13 is 9 above the lowest (4)
        ((20, 3, 7), True),  # 7 is 4 above the lowest (3)
        ((20, 3, 6), False),  # 3 above the lowest: within measurement error
        ((8, 5, 8), False),  # 3 above the lowest
        ((8, 5, 9), True),  # 4 above the lowest
        ((5, 5, 5), False),
        ((12, 14, 15), False),  # 3 above her lowest, 12
    ],
)
def test_the_rise_is_from_her_lowest_of_the_earlier_responses(responses, fires):
    first, second, latest = responses
    result = rose(epds(first, id=1, on=ago(60)), epds(second, id=2, on=ago(30)), epds(latest, id=3))

    assert (result is not None) is fires


@pytest.mark.parametrize(
    ("days_before_latest", "fires"),
    [
        (89, True),
        (90, True),  # the 90th day before the latest still counts
        (91, False),  # outside the window: only the 8 of 40 days ago counts
    ],
)
def test_the_lowest_is_taken_from_the_90_days_before_the_latest(days_before_latest, fires):
    result = rose(
        epds(2, id=1, on=ago(days_before_latest + 5)),
        epds(8, id=2, on=ago(40)),
        epds(8, id=3, on=ago(5)),
    )

    assert (result is not None) is fires
    if fires:
        assert result.evidence["previous_total"] == 2


def test_equal_lows_name_the_latest_of_them():
    result = rose(epds(3, id=1, on=ago(60)), epds(3, id=2, on=ago(30)), epds(9, id=3))

    assert result.evidence["previous_submitted_on"] == ago(30).isoformat()


def test_the_practice_can_set_the_window():
    responses = (epds(2, id=1, on=ago(50)), epds(5, id=2, on=ago(20)), epds(7, id=3))

    assert rose(*responses) is not None
    assert rose(*responses, epds_rose_window_days=30) is None


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
