"""What seems to help her: planted effects are found, noise is not, too few days say so."""

import random
from datetime import date, timedelta

import pytest

from portal.insights import (
    FINDINGS,
    MIN_DAYS_EACH_SIDE,
    NO_PATTERN,
    TOO_FEW_DAYS,
    Comparison,
    Day,
    benjamini_hochberg,
    find_insights,
)
from portal.models.checkins import ACTIVITIES

START = date(2026, 6, 1)
SCALES = ("mood", "tension", "energy", "bonding", "sleep_quality")


def noisy_days(seed: int, count: int = 90) -> list[Day]:
    """Return days of random activities and random answers that have nothing to do with them."""
    rng = random.Random(seed)
    days = []
    for offset in range(count):
        activities = frozenset(key for key in ACTIVITIES if rng.random() < 0.4)
        values = {key: float(rng.randint(1, 5)) for key in SCALES}
        values["sleep_hours"] = rng.randint(12, 36) / 4
        days.append(Day(START + timedelta(days=offset), activities, values))
    return days


def breathing_days(with_days: int, without_days: int) -> list[Day]:
    """Return days where tension was lower on the days with a breathing exercise."""
    rng = random.Random(7)
    days = []
    for offset in range(with_days + without_days):
        breathing = (
            offset % 2 == 0
            if offset < 2 * min(with_days, without_days)
            else (with_days > without_days)
        )
        tension = rng.choice((1, 2, 2, 3)) if breathing else rng.choice((3, 3, 4, 4))
        values = {key: float(rng.randint(1, 5)) for key in SCALES} | {"tension": float(tension)}
        activities = frozenset({"breathing"} if breathing else {"walk_outside"})
        days.append(Day(START + timedelta(days=offset), activities, values))
    return days


def test_a_planted_effect_is_found_as_lower_tension_on_breathing_days():
    insights = find_insights(breathing_days(14, 14), ACTIVITIES)

    assert insights.status == FINDINGS
    finding = insights.findings[0]
    assert (finding.activity, finding.measure) == ("breathing", "tension")
    assert finding.days_with == 14 and finding.days_without == 14
    assert finding.mean_with < finding.mean_without and finding.helpful
    assert finding.high < 0  # the adjusted interval of the difference excludes zero
    # A finding is never the mirror image of itself (days without a walk are breathing days).
    assert len(insights.findings) <= 3


def test_pure_noise_over_90_days_yields_no_finding_in_at_least_95_of_100_series():
    shown = sum(bool(find_insights(noisy_days(seed), ACTIVITIES).findings) for seed in range(100))

    assert shown <= 5


def test_the_correction_keeps_chance_findings_rare_in_either_direction():
    series_with_any = 0
    for seed in range(100):
        insights = find_insights(noisy_days(seed), ACTIVITIES, limit=100)
        unhelpful = find_insights(
            [Day(d.day, d.activities, _flipped(d.values)) for d in noisy_days(seed)],
            ACTIVITIES,
            limit=100,
        )
        series_with_any += bool(insights.findings or unhelpful.findings)

    assert series_with_any <= 5


def _flipped(values):
    """Mirror every scale, so that what went with worse days now goes with better ones."""
    return {
        key: (6 - value if key in SCALES else 14 - value) if value is not None else None
        for key, value in values.items()
    }


@pytest.mark.parametrize(
    ("with_days", "without_days", "more"),
    [(0, 0, 14), (3, 20, 4), (6, 6, 2), (6, 30, 1), (20, 6, 1)],
)
def test_too_few_days_says_not_enough_and_how_many_more(with_days, without_days, more):
    days = breathing_days(with_days, without_days)[: with_days + without_days]
    insights = find_insights(days, ("breathing",))

    assert insights.status == TOO_FEW_DAYS
    assert insights.findings == () and insights.comparisons_made == 0
    assert insights.more_days_needed == more


def test_seven_days_each_side_is_enough_to_compare():
    insights = find_insights(breathing_days(MIN_DAYS_EACH_SIDE, MIN_DAYS_EACH_SIDE), ("breathing",))

    # Mood, tension, energy and bonding; sleep quality needs the night after, and the last
    # day has none yet, so it is one day short.
    assert insights.comparisons_made == 4
    assert insights.status in (FINDINGS, NO_PATTERN)


def test_same_answers_every_day_is_no_pattern_not_an_error():
    days = [
        Day(START + timedelta(days=offset), frozenset({"hug"} if offset % 2 else ()), {"mood": 3.0})
        for offset in range(30)
    ]
    insights = find_insights(days, ("hug",))

    assert insights.status == NO_PATTERN and insights.comparisons_made == 1


def test_sleep_is_read_from_the_night_after_the_day():
    # Walks are followed by long nights; the night before a walk is short.
    days = []
    for offset in range(30):
        walked = offset % 2 == 0
        sleep_last_night = 8.0 if offset % 2 == 1 else 4.0  # after a walk day: long
        days.append(
            Day(
                START + timedelta(days=offset),
                frozenset({"walk_outside"} if walked else ()),
                {"sleep_hours": sleep_last_night},
            )
        )
    insights = find_insights(days, ("walk_outside",))

    finding = insights.findings[0]
    assert finding.measure == "sleep_hours"
    assert (finding.mean_with, finding.mean_without) == (8.0, 4.0)


def test_at_most_three_findings_strongest_first():
    rng = random.Random(3)
    days = []
    for offset in range(60):
        done = frozenset(key for key in ("hug", "pet", "breathing", "walk_outside") if offset % 2)
        good = bool(done)
        values = {key: float(rng.choice((4, 5) if good else (1, 2))) for key in SCALES}
        values["tension"] = 6 - values["tension"]
        days.append(Day(START + timedelta(days=offset), done, values))
    insights = find_insights(days, ACTIVITIES)

    assert len(insights.findings) == 3
    strengths = [one.p_value for one in insights.findings]
    assert strengths == sorted(strengths)


def _comparison(p_value):
    return Comparison("hug", "mood", (1.0,), (2.0,), 1.0, 2.0, p_value, 0.1)


@pytest.mark.parametrize(
    ("p_values", "selected"),
    [
        # Benjamini & Hochberg's step-up: the largest k with p(k) <= k q / m, and all below it.
        ([0.01, 0.02, 0.03, 0.04], [True, True, True, True]),
        ([0.001, 0.2, 0.3, 0.4], [True, False, False, False]),
        ([0.013, 0.026, 0.9, 0.9], [False, False, False, False]),
        ([0.012, 0.024, 0.9, 0.9], [True, True, False, False]),
        ([0.04, 0.001, 0.9], [False, True, False]),
    ],
)
def test_benjamini_hochberg_selects_the_step_up_set(p_values, selected):
    result = benjamini_hochberg([_comparison(p) for p in p_values], 0.05)

    assert [one.selected for one in result] == selected
    for one in result:
        assert (one.low is not None) == one.selected
        if one.selected:
            assert one.high < 0  # the adjusted interval excludes zero exactly when selected
