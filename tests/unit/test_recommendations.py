"""Module suggestions from the last week of check-ins, at every boundary."""

from datetime import date, timedelta

import pytest

from portal.flags import DayLog
from portal.guidance.recommendations import MODULE_SLUGS, Recommendation, recommend

TODAY = date(2024, 3, 15)
SLEEP, STRESS, BONDING = "sleep", "stress-and-breathing", "bonding"


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def week(sleep_hours=(), tension=(), bonding=()) -> list[DayLog]:
    """Return one log per day ending today; each series is aligned to end today."""
    length = max(len(sleep_hours), len(tension), len(bonding), 1)

    def at(values, index):
        offset = index - (length - len(values))
        return values[offset] if offset >= 0 else None

    return [
        DayLog(
            day=ago(length - 1 - index),
            mood=3,
            sleep_hours=at(sleep_hours, index),
            tension=at(tension, index),
            bonding=at(bonding, index),
        )
        for index in range(length)
    ]


def slugs(checkins, **kwargs) -> list[str]:
    return [rec.module_slug for rec in recommend(checkins, TODAY, **kwargs)]


def test_module_slugs():
    assert MODULE_SLUGS == {"sleep": SLEEP, "stress": STRESS, "bonding": BONDING}


def test_nothing_to_recommend_without_data():
    assert recommend([], TODAY) == []
    assert slugs(week(sleep_hours=[8.0] * 7, tension=[2] * 7, bonding=[4] * 7)) == []


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ([5.75, 5.75, 5.75], [SLEEP]),
        ([6.0, 6.0, 6.0], []),  # at the threshold
        ([5.75, 6.25, 6.0], []),  # mean exactly 6
        ([7.6, 8.7, 1.7], []),  # exactly 6; a float mean says 5.999...
        ([6.25, 6.25, 6.25], []),
        ([3.0, 3.0], []),  # 2 nights are too few
        ([3.0, None, 3.0, None, 3.0], [SLEEP]),
    ],
)
def test_short_sleep(hours, expected):
    assert slugs(week(sleep_hours=hours)) == expected


def test_short_sleep_evidence():
    [rec] = recommend(week(sleep_hours=[4.0, 5.0, 4.5, 5.5]), TODAY)
    assert rec == Recommendation(SLEEP, "short_sleep", {"mean_sleep": 4.75, "days": 4})


@pytest.mark.parametrize(
    ("tension", "expected"),
    [
        ([4, 4, 4], [STRESS]),  # at the threshold
        ([4, 4, 3], []),  # mean 3.67
        ([5, 4, 3], [STRESS]),  # mean 4
        ([5, 5, 3, 3], [STRESS]),  # mean exactly 4
        ([5, 4, 3, 3], []),  # mean 3.75
        ([5, 5], []),  # 2 days are too few
        ([5, None, 5, None, 5], [STRESS]),
    ],
)
def test_high_tension(tension, expected):
    assert slugs(week(tension=tension)) == expected


def test_high_tension_evidence():
    [rec] = recommend(week(tension=[5, 4, 4]), TODAY)
    assert rec == Recommendation(STRESS, "high_tension", {"mean_tension": 4.33, "days": 3})


@pytest.mark.parametrize(
    ("bonding", "expected"),
    [
        ([2, 2, 3], [BONDING]),
        ([2, 3, 3], []),  # one low day
        ([3, 3, 3], []),  # 3 is not low
        ([1, 1], []),  # 2 logged days are too few
        ([1, 4, 4, 4, 4, 4, 2], [BONDING]),
        ([2, None, 5, None, 1], [BONDING]),
    ],
)
def test_low_bonding(bonding, expected):
    assert slugs(week(bonding=bonding)) == expected


def test_low_bonding_evidence():
    [rec] = recommend(week(bonding=[1, 2, 4, 2]), TODAY)
    assert rec == Recommendation(BONDING, "low_bonding", {"low_days": 3, "days": 4})


@pytest.mark.parametrize(("oldest", "expected"), [(6, [SLEEP]), (7, [])])
def test_window_is_the_last_seven_calendar_days(oldest, expected):
    checkins = [DayLog(ago(days), 3, sleep_hours=4.0) for days in (oldest, 3, 0)]
    assert slugs(checkins) == expected


def test_checkins_after_today_are_ignored():
    checkins = week(sleep_hours=[4.0, 4.0]) + [DayLog(TODAY + timedelta(days=1), 3, sleep_hours=4)]
    assert slugs(checkins) == []


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        # tension 5 (1.0), sleep 3 h (0.5), bonding 2 low days (0.0)
        (
            {"tension": [5] * 3, "sleep_hours": [3.0] * 3, "bonding": [2, 2, 3]},
            [STRESS, SLEEP, BONDING],
        ),
        # sleep 1.5 h (0.75), bonding 4 low days of 7 (0.4), tension 4 (0.0)
        (
            {"tension": [4] * 3, "sleep_hours": [1.5] * 3, "bonding": [1, 1, 1, 1, 3, 3, 3]},
            [SLEEP, BONDING, STRESS],
        ),
        # bonding 7 low days (1.0), tension 4.33 (0.33), sleep 5.5 h (0.08)
        (
            {"tension": [5, 4, 4], "sleep_hours": [5.5] * 3, "bonding": [1] * 7},
            [BONDING, STRESS, SLEEP],
        ),
    ],
)
def test_strongest_signal_first(series, expected):
    assert slugs(week(**series), limit=3) == expected


@pytest.mark.parametrize(
    ("series", "expected"),
    [
        ({"tension": [5, 4, 5, 4], "sleep_hours": [3.0] * 4}, [STRESS, SLEEP]),  # 0.5 = 0.5
        ({"tension": [4] * 3, "bonding": [2, 2, 4]}, [STRESS, BONDING]),  # 0.0 = 0.0
        ({"sleep_hours": [4.8] * 3, "bonding": [2, 2, 2]}, [SLEEP, BONDING]),  # 0.2 = 0.2
        ({"bonding": [2, 2, 2], "sleep_hours": [4.8] * 3}, [SLEEP, BONDING]),
    ],
)
def test_ties_go_tension_sleep_bonding(series, expected):
    assert slugs(week(**series), limit=3) == expected


ALL_THREE = {"tension": [5] * 3, "sleep_hours": [3.0] * 3, "bonding": [2, 2, 3]}


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (0, []),
        (-1, []),
        (1, [STRESS]),
        (2, [STRESS, SLEEP]),
        (3, [STRESS, SLEEP, BONDING]),
        (10, [STRESS, SLEEP, BONDING]),
    ],
)
def test_limit(limit, expected):
    assert slugs(week(**ALL_THREE), limit=limit) == expected


def test_default_limit_is_two():
    assert slugs(week(**ALL_THREE)) == [STRESS, SLEEP]


@pytest.mark.parametrize(
    ("dismissed", "expected"),
    [
        ({STRESS}, [SLEEP, BONDING]),
        ([SLEEP], [STRESS, BONDING]),
        ((STRESS, SLEEP), [BONDING]),
        ({STRESS, SLEEP, BONDING}, []),
        ({"nutrition"}, [STRESS, SLEEP]),
    ],
)
def test_dismissed_modules_are_skipped_before_the_limit(dismissed, expected):
    assert slugs(week(**ALL_THREE), dismissed=dismissed) == expected
