"""What seems to help her: which activities went together with better days, honestly.

A pure module: it takes plain check-in days and returns plain findings, so that a test calls
it with no database and the page, the PDF and the practitioner's client page show the same.

For each activity and each measure it compares her days with the activity against her days
without it. A comparison is only made when each side has at least ``MIN_DAYS_EACH_SIDE``
days, and a difference is only reported when it holds up after correcting for the number of
comparisons made. What it reports is what went together for her, not what caused it.

The method, for a reader of the code:

* The test is a two-sided permutation test of the difference in means ("if the activity made
  no difference, the days could be relabelled at random"). Its p-value is taken from the
  normal approximation to the permutation distribution, whose mean (0) and variance
  (``s² · (1/n_with + 1/n_without)``, s² the sample variance of all days) are exact
  (Hoeffding's permutation central limit theorem), with ``statistics.NormalDist``. That is
  deterministic, needs no random seed, and costs one pass over the days, so a year of data
  stays cheap on the progress page; a Monte Carlo permutation would need tens of thousands
  of shuffles per comparison to resolve the corrected thresholds below.
* Up to 9 activities x 6 measures = 54 comparisons are made at once. At a 5 % level each, pure
  noise would "find" about three things every time: a mother would be told that a walk helps
  her mood when nothing does. The Benjamini-Hochberg procedure keeps the expected share of
  false findings among those reported at ``FALSE_DISCOVERY_RATE``, and under pure noise the
  chance of reporting anything at all at that same rate; it is less strict than Bonferroni,
  which would hide real effects on the 7-14 days a mother typically has.
* The interval shown to the practitioner is the matching false-coverage-rate adjusted
  interval (Benjamini & Yekutieli 2005): at level ``1 - k·q/m`` for ``k`` selected of ``m``
  comparisons, so a finding's interval excludes zero exactly when it is selected.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

MIN_DAYS_EACH_SIDE = 7
FALSE_DISCOVERY_RATE = 0.05
MAX_FINDINGS = 3

FINDINGS = "findings"
TOO_FEW_DAYS = "too_few_days"
NO_PATTERN = "no_pattern"


@dataclass(frozen=True)
class InsightMeasure:
    """A check-in measure compared across activity days, and which way is better."""

    key: str
    higher_is_better: bool
    # Sleep in a check-in is "last night": the night before the day's activities. The night
    # after a day is the one that day's activities could go with, so sleep is read from the
    # next day's check-in. Activities carry no time of day, so this holds for all of them.
    next_night: bool = False


MEASURES = (
    InsightMeasure("mood", higher_is_better=True),
    InsightMeasure("tension", higher_is_better=False),
    InsightMeasure("energy", higher_is_better=True),
    InsightMeasure("bonding", higher_is_better=True),
    InsightMeasure("sleep_hours", higher_is_better=True, next_night=True),
    InsightMeasure("sleep_quality", higher_is_better=True, next_night=True),
)
MEASURES_BY_KEY = {measure.key: measure for measure in MEASURES}


@dataclass(frozen=True)
class Day:
    """One check-in: its day, the activities done and the measures logged (None if not)."""

    day: date
    activities: frozenset[str]
    values: Mapping[str, float | None]


@dataclass(frozen=True)
class Comparison:
    """Days with an activity against days without it, for one measure."""

    activity: str
    measure: str
    values_with: tuple[float, ...]
    values_without: tuple[float, ...]
    mean_with: float
    mean_without: float
    p_value: float
    standard_error: float
    # Filled in by the correction: the adjusted interval of the difference, and whether it
    # excludes zero (the comparison is a finding).
    low: float | None = None
    high: float | None = None
    selected: bool = False

    @property
    def days_with(self) -> int:
        """Return the number of days with the activity."""
        return len(self.values_with)

    @property
    def days_without(self) -> int:
        """Return the number of days without the activity."""
        return len(self.values_without)

    @property
    def difference(self) -> float:
        """Return the mean with the activity minus the mean without it."""
        return self.mean_with - self.mean_without

    @property
    def helpful(self) -> bool:
        """Tell whether the days with the activity were the better ones for this measure."""
        better_higher = MEASURES_BY_KEY[self.measure].higher_is_better
        return (self.difference > 0) == better_higher


@dataclass(frozen=True)
class Insights:
    """The findings to show, strongest first, and what to say when there are none."""

    findings: tuple[Comparison, ...]
    comparisons_made: int
    # When no comparison could be made yet: the fewest more days that would allow one.
    more_days_needed: int

    @property
    def status(self) -> str:
        """Say which of the three texts applies: findings, too few days, or no pattern yet."""
        if self.findings:
            return FINDINGS
        if self.comparisons_made == 0:
            return TOO_FEW_DAYS
        return NO_PATTERN


def find_insights(
    days: Iterable[Day],
    activities: Sequence[str],
    *,
    measures: Sequence[InsightMeasure] = MEASURES,
    rate: float = FALSE_DISCOVERY_RATE,
    limit: int = MAX_FINDINGS,
) -> Insights:
    """Compare days with and without each activity per measure; keep what holds up."""
    by_day = {one.day: one for one in days}
    comparisons: list[Comparison] = []
    more_needed: list[int] = []
    for measure in measures:
        paired = _paired(by_day, measure)
        if len(paired) < 2:
            more_needed.append(2 * MIN_DAYS_EACH_SIDE - len(paired))
            continue
        # Days with and days without an activity are together every day the measure was
        # logged: its spread is the same for every activity, so it is computed once.
        spread = statistics.variance(value for _, value in paired)
        for activity in activities:
            with_values = [value for done, value in paired if activity in done]
            without_values = [value for done, value in paired if activity not in done]
            short = max(0, MIN_DAYS_EACH_SIDE - len(with_values)) + max(
                0, MIN_DAYS_EACH_SIDE - len(without_values)
            )
            if short:
                more_needed.append(short)
                continue
            comparisons.append(_compare(activity, measure.key, with_values, without_values, spread))
    corrected = benjamini_hochberg(comparisons, rate)
    # Every comparison is tested two-sided and counted in the correction, but this section is
    # "what seems to help": a day that went with worse days is not shown as help.
    shown = sorted(
        (one for one in corrected if one.selected and one.helpful),
        key=lambda one: (one.p_value, -abs(one.difference) / one.standard_error),
    )
    return Insights(
        findings=tuple(shown[:limit]),
        comparisons_made=len(comparisons),
        more_days_needed=0 if comparisons else min(more_needed, default=2 * MIN_DAYS_EACH_SIDE),
    )


def _paired(by_day: Mapping[date, Day], measure: InsightMeasure) -> list[tuple[frozenset, float]]:
    """Pair each day's activities with the measure's value that goes with that day."""
    paired = []
    for day, record in sorted(by_day.items()):
        source = by_day.get(day + timedelta(days=1)) if measure.next_night else record
        value = source.values.get(measure.key) if source is not None else None
        if value is not None:
            paired.append((record.activities, float(value)))
    return paired


def _compare(
    activity: str,
    measure: str,
    with_values: Sequence[float],
    without_values: Sequence[float],
    spread: float,
) -> Comparison:
    """Test the difference in means by the normal approximation to the permutation test."""
    standard_error = math.sqrt(spread * (1 / len(with_values) + 1 / len(without_values)))
    mean_with = statistics.fmean(with_values)
    mean_without = statistics.fmean(without_values)
    if standard_error == 0:
        p_value = 1.0  # every day alike: nothing to tell apart
    else:
        z = abs(mean_with - mean_without) / standard_error
        p_value = 2 * (1 - statistics.NormalDist().cdf(z))
    return Comparison(
        activity=activity,
        measure=measure,
        values_with=tuple(with_values),
        values_without=tuple(without_values),
        mean_with=mean_with,
        mean_without=mean_without,
        p_value=p_value,
        standard_error=standard_error,
    )


def benjamini_hochberg(comparisons: Sequence[Comparison], rate: float) -> list[Comparison]:
    """Select by Benjamini-Hochberg and give the selected their adjusted intervals."""
    total = len(comparisons)
    ranked = sorted(range(total), key=lambda index: comparisons[index].p_value)
    selected_count = 0
    for rank, index in enumerate(ranked, start=1):
        if comparisons[index].p_value <= rank * rate / total:
            selected_count = rank
    if selected_count == 0:
        return list(comparisons)
    # Benjamini & Yekutieli (2005): intervals at level 1 - k*q/m for the k selected.
    level = selected_count * rate / total
    critical = statistics.NormalDist().inv_cdf(1 - level / 2)
    chosen = set(ranked[:selected_count])
    result = []
    for index, one in enumerate(comparisons):
        if index in chosen:
            margin = critical * one.standard_error
            one = replace(
                one, low=one.difference - margin, high=one.difference + margin, selected=True
            )
        result.append(one)
    return result
