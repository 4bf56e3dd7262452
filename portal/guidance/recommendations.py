"""Suggest guidance modules when a client's recent check-ins point at them.

Pure: check-ins in, recommendations out. DOMAIN.md names the pairs (short
sleep -> sleep, high tension -> stress and breathing, low bonding ->
bonding); the numbers below are this module's reading of "short", "high"
and "low":

- window: the last ``WINDOW_DAYS`` calendar days, today included; check-ins
  after today are ignored;
- each signal needs at least ``MIN_LOGGED`` days with a value for its field;
- short sleep: mean ``sleep_hours`` strictly below ``SHORT_SLEEP_HOURS``;
- high tension: mean ``tension`` at or above ``HIGH_TENSION``;
- low bonding: ``bonding`` at or below ``LOW_BONDING_MAX`` on at least
  ``LOW_BONDING_DAYS`` days.

The web layer turns ``reason_key`` and the numeric ``evidence`` into a
translated sentence, so evidence holds numbers only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from portal.flags import DayLog

MODULE_SLUGS = {
    "sleep": "sleep",
    "stress": "stress-and-breathing",
    "bonding": "bonding",
}

WINDOW_DAYS = 7
MIN_LOGGED = 3
SHORT_SLEEP_HOURS = 6
HIGH_TENSION = 4
TENSION_SCALE_MAX = 5
LOW_BONDING_MAX = 2
LOW_BONDING_DAYS = 2


@dataclass(frozen=True)
class Recommendation:
    """A suggested guidance module and the data behind the suggestion."""

    module_slug: str
    reason_key: str
    evidence: dict


@dataclass(frozen=True)
class _Candidate:
    recommendation: Recommendation
    # How far past its threshold, as a share of the room between threshold and scale end.
    strength: Fraction


def _exact(value: float) -> Fraction:
    # Via str so 5.1 means 51/10, as the client typed it, not its binary neighbour.
    return Fraction(str(value))


def _mean(values: Sequence[float]) -> Fraction:
    return sum((_exact(value) for value in values), Fraction(0)) / len(values)


def _high_tension(tensions: Sequence[int]) -> _Candidate | None:
    if len(tensions) < MIN_LOGGED:
        return None
    mean = _mean(tensions)
    if mean < HIGH_TENSION:
        return None
    evidence = {"mean_tension": round(float(mean), 2), "days": len(tensions)}
    recommendation = Recommendation(MODULE_SLUGS["stress"], "high_tension", evidence)
    return _Candidate(recommendation, (mean - HIGH_TENSION) / (TENSION_SCALE_MAX - HIGH_TENSION))


def _short_sleep(sleep_hours: Sequence[float]) -> _Candidate | None:
    if len(sleep_hours) < MIN_LOGGED:
        return None
    mean = _mean(sleep_hours)
    if mean >= SHORT_SLEEP_HOURS:
        return None
    evidence = {"mean_sleep": round(float(mean), 2), "days": len(sleep_hours)}
    recommendation = Recommendation(MODULE_SLUGS["sleep"], "short_sleep", evidence)
    # Sleep has no fixed floor worth using but zero hours.
    return _Candidate(recommendation, (SHORT_SLEEP_HOURS - mean) / SHORT_SLEEP_HOURS)


def _low_bonding(bondings: Sequence[int]) -> _Candidate | None:
    if len(bondings) < MIN_LOGGED:
        return None
    low_days = sum(1 for bonding in bondings if bonding <= LOW_BONDING_MAX)
    if low_days < LOW_BONDING_DAYS:
        return None
    evidence = {"low_days": low_days, "days": len(bondings)}
    recommendation = Recommendation(MODULE_SLUGS["bonding"], "low_bonding", evidence)
    strength = Fraction(low_days - LOW_BONDING_DAYS, WINDOW_DAYS - LOW_BONDING_DAYS)
    return _Candidate(recommendation, strength)


def recommend(
    checkins: Sequence[DayLog],
    today: date,
    dismissed: Collection[str] = (),
    limit: int = 2,
) -> list[Recommendation]:
    """Return up to ``limit`` module suggestions from the last week, strongest first.

    Strength is how far a signal is past its threshold as a share of the
    distance from threshold to the end of its scale (tension 4 -> 5, sleep
    6 -> 0 hours, low bonding days 2 -> 7), so the three compare on one
    footing; ties go tension, sleep, bonding. Dismissed module slugs are
    skipped before the limit is applied.
    """
    window_start = today - timedelta(days=WINDOW_DAYS - 1)
    recent = [log for log in checkins if window_start <= log.day <= today]
    # Candidate order is the tie-break order; sorted() is stable.
    candidates = [
        _high_tension([log.tension for log in recent if log.tension is not None]),
        _short_sleep([log.sleep_hours for log in recent if log.sleep_hours is not None]),
        _low_bonding([log.bonding for log in recent if log.bonding is not None]),
    ]
    ranked = sorted(
        (
            candidate
            for candidate in candidates
            if candidate is not None and candidate.recommendation.module_slug not in dismissed
        ),
        key=lambda candidate: candidate.strength,
        reverse=True,
    )
    return [candidate.recommendation for candidate in ranked[: max(limit, 0)]]
