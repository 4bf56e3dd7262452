"""The honesty study of "what went together with your better days" (``make bench``).

Seeded simulated diaries (``tests/simulated_diaries.py``), 200 or more per scenario, each
through ``find_insights`` with the nine activities and six measures (54 comparisons), exactly
as her progress page runs it. For the no-effect scenarios it counts the series in which any
finding is shown (the target is at most 5 %); for the effect scenarios, the series in which
the one real effect (lower tension on breathing days, Cohen's d) is among the findings shown.
It prints the table that the README summarises and fails when a target is missed (rates, never
timings). Its small, fast version runs in the suite: ``tests/unit/test_insights_honesty.py``.
"""

from __future__ import annotations

import math
import time

from portal.insights import find_insights
from tests.simulated_diaries import (
    ACTIVITY_KEYS,
    EFFECT_ACTIVITY,
    EFFECT_MEASURE,
    Scenario,
    simulated_diary,
)

SERIES = 200
MAX_FALSE = 0.05
MIN_DETECTED_D08 = 0.50

# (scenario, what is counted, target): "any" = any finding shown, "real" = the real one shown.
STUDY = (
    (Scenario("independent days, no effect"), "any", ("<=", MAX_FALSE)),
    (Scenario("carry-over 0.3, habits 0.5, no effect", carry_over=0.3, habit=0.5), "any", None),
    (
        Scenario("carry-over 0.5, habits 0.5, no effect", carry_over=0.5, habit=0.5),
        "any",
        ("<=", MAX_FALSE),
    ),
    (Scenario("carry-over 0.4, habits 0.7, no effect", carry_over=0.4, habit=0.7), "any", None),
    (
        Scenario("carry-over 0.6, habits 0.8, no effect", carry_over=0.6, habit=0.8),
        "any",
        ("<=", MAX_FALSE),
    ),
    (
        Scenario(
            "recovery 1 SD / 90 d, uptake 0.2 -> 0.6, no effect", trend_sd=1, uptake=(0.2, 0.6)
        ),
        "any",
        ("<=", MAX_FALSE),
    ),
    (
        Scenario(
            "recovery + carry-over 0.5 + habits 0.5, no effect",
            trend_sd=1,
            uptake=(0.2, 0.6),
            carry_over=0.5,
            habit=0.5,
        ),
        "any",
        None,
    ),
    (Scenario("d = 0.3, 90 days", effect=0.3), "real", None),
    (Scenario("d = 0.5, 90 days", effect=0.5), "real", None),
    (Scenario("d = 0.8, 90 days", effect=0.8), "real", (">=", MIN_DETECTED_D08)),
    (Scenario("d = 0.8, 30 days", effect=0.8, days=30), "real", None),
    (
        Scenario(
            "d = 0.8, 90 days, carry-over 0.5, habits 0.5", effect=0.8, carry_over=0.5, habit=0.5
        ),
        "real",
        None,
    ),
)


def _wilson_upper(hits: int, total: int, z: float = 1.96) -> float:
    """Return the upper end of the 95 % Wilson interval of a proportion."""
    share = hits / total
    centre = share + z * z / (2 * total)
    spread = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
    return (centre + spread) / (1 + z * z / total)


def _run(scenario: Scenario, counted: str) -> tuple[int, float]:
    """Return how many of the seeded series show a finding (or the real one), and the time."""
    start = time.perf_counter()
    hits = 0
    for seed in range(SERIES):
        findings = find_insights(simulated_diary(scenario, seed), ACTIVITY_KEYS).findings
        if counted == "any":
            hits += bool(findings)
        else:
            hits += any(
                (one.activity, one.measure) == (EFFECT_ACTIVITY, EFFECT_MEASURE) for one in findings
            )
    return hits, time.perf_counter() - start


def test_findings_stay_honest_on_simulated_diaries():
    rows, missed = [], []
    for scenario, counted, target in STUDY:
        hits, seconds = _run(scenario, counted)
        share = hits / SERIES
        verdict = ""
        if target:
            sign, bound = target
            met = share <= bound if sign == "<=" else share >= bound
            verdict = f"{sign} {bound:.0%}: {'met' if met else 'NOT met'}"
            if not met:
                missed.append(scenario.name)
        label = "any finding" if counted == "any" else "detected"
        rows.append(
            f"| {scenario.name:<52} | {label:<11} | {share:6.1%} |"
            f" {_wilson_upper(hits, SERIES):6.1%} | {verdict:<14} |"
            f" {seconds / SERIES * 1000:9.1f} |"
        )
    print(
        f"\n== what went together with better days: {SERIES} seeded series per scenario,"
        f" {len(ACTIVITY_KEYS)} activities x 6 measures\n"
        f"| {'scenario':<52} | {'counted':<11} | {'share':>6} | {'95% up':>6} |"
        f" {'target':<14} | ms/series |\n"
        f"|{'-' * 54}|{'-' * 13}|{'-' * 8}|{'-' * 8}|{'-' * 16}|{'-' * 11}|\n" + "\n".join(rows)
    )
    assert not missed, f"targets missed: {missed}"
