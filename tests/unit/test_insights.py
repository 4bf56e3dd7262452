"""What went with her better days: planted effects are found, noise is not, too few days say so."""

import math
import random
from datetime import date, timedelta

import pytest

from portal.insights import (
    FINDINGS,
    MEASURES_BY_KEY,
    METHOD_EXACT,
    MIN_DAYS_EACH_SIDE,
    NO_PATTERN,
    TOO_FEW_DAYS,
    Comparison,
    Day,
    benjamini_hochberg,
    compare_all,
    exact_permutation_p,
    find_insights,
    t_critical,
    t_two_sided_p,
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


# --- The method on real diaries: checked against scipy (a test-only dependency) -------------


@pytest.mark.parametrize("freedom", [1, 2, 3, 7, 11, 28, 87, 362])
@pytest.mark.parametrize("statistic", [0.0, 0.5, 1.96, 3.3, 5.0])
def test_student_t_tail_matches_scipy(statistic, freedom):
    stats = pytest.importorskip("scipy.stats")

    expected = 2 * stats.t.sf(statistic, freedom)

    assert t_two_sided_p(statistic, freedom) == pytest.approx(expected, rel=1e-7, abs=1e-12)
    if statistic:
        assert t_critical(expected, freedom) == pytest.approx(statistic, rel=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_exact_permutation_matches_scipy_on_few_days(seed):
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(seed)
    with_values = [float(rng.randint(1, 5)) for _ in range(7 + seed % 2)]
    without_values = [rng.randint(4, 20) / 4 for _ in range(8)]

    expected = stats.permutation_test(
        (with_values, without_values),
        lambda a, b, axis: a.mean(axis=axis) - b.mean(axis=axis),
        permutation_type="independent",
        n_resamples=math.inf,
        alternative="two-sided",
        vectorized=True,
    ).pvalue

    assert exact_permutation_p(with_values, without_values) == pytest.approx(expected, rel=1e-9)


def test_few_days_take_the_exact_p_value_where_the_approximation_is_too_sure():
    # 16 days, 8 with and 8 without: a difference the t approximation calls rarer than it is.
    days = []
    tensions = [2, 2, 3, 2, 3, 1, 2, 4, 3, 4, 2, 4, 3, 5, 3, 4]
    for offset, tension in enumerate(tensions):
        activities = frozenset({"breathing"} if offset < 8 else {"walk_outside"})
        days.append(Day(START + timedelta(days=offset * 2), activities, {"tension": tension}))
    made = compare_all(days, ("breathing",), [MEASURES_BY_KEY["tension"]])

    (one,) = made
    exact = exact_permutation_p([float(v) for v in tensions[:8]], [float(v) for v in tensions[8:]])
    assert one.p_value >= exact
    assert one.method == METHOD_EXACT or one.p_value > exact


def test_a_shared_recovery_trend_is_not_a_finding():
    # She gets better every week and breathes more often as she does: nothing else.
    days = []
    for offset in range(90):
        breathing = (offset * 7919) % 100 < 20 + offset * 0.45
        mood = 2 + offset / 30 + ((offset * 31) % 7 - 3) / 6
        values = {"mood": round(mood * 4) / 4}
        activities = frozenset({"breathing"} if breathing else ())
        days.append(Day(START + timedelta(days=offset), activities, values))
    plain_with = [d.values["mood"] for d in days if d.activities]
    plain_without = [d.values["mood"] for d in days if not d.activities]
    assert sum(plain_with) / len(plain_with) > sum(plain_without) / len(plain_without) + 0.4

    insights = find_insights(days, ("breathing",), measures=[MEASURES_BY_KEY["mood"]])

    assert insights.status == NO_PATTERN


def test_a_habit_of_many_days_counts_as_fewer_independent_days():
    # Breathing in runs of ten days, mood drifting slowly: the runs are not 45 separate days.
    days = []
    level = 0.0
    rng = random.Random(11)
    for offset in range(90):
        level = 0.8 * level + 0.6 * rng.gauss(0, 1)
        breathing = (offset // 10) % 2 == 0
        days.append(
            Day(
                START + timedelta(days=offset),
                frozenset({"breathing"} if breathing else ()),
                {"mood": round((3 + level) * 4) / 4},
            )
        )
    (one,) = compare_all(days, ("breathing",), [MEASURES_BY_KEY["mood"]])

    assert one.persistence > 0.5
    assert one.degrees_of_freedom < 45


@pytest.mark.parametrize("count", [20, 34, 40])
def test_exact_permutation_counts_every_split_beyond_four_byte_counts(count):
    # C(34, 17) no longer fits four bytes per count: the packed counts take eight.
    rng = random.Random(count)
    values = [rng.randint(4, 36) / 4 for _ in range(count)]
    size = count // 2 - 3
    with_values, without_values = values[:size], values[size:]

    # A plain count by group size and sum, in quarter points.
    table = [dict() for _ in range(size + 1)]
    table[0][0] = 1
    for value in values:
        unit = round(value * 4)
        for taken in range(size, 0, -1):
            for total, ways in table[taken - 1].items():
                table[taken][total + unit] = table[taken].get(total + unit, 0) + ways
    observed = sum(round(value * 4) for value in with_values)
    at_most = sum(ways for total, ways in table[size].items() if total <= observed)
    at_least = sum(ways for total, ways in table[size].items() if total >= observed)
    expected = min(1.0, 2 * min(at_most, at_least) / math.comb(count, size))

    assert exact_permutation_p(with_values, without_values) == pytest.approx(expected, rel=1e-12)
