"""What went together with her better days, honestly, on diaries as real diaries are.

A pure module: it takes plain check-in days and returns plain findings, so that a test calls
it with no database and the page, the PDF and the practitioner's client page show the same.

For each activity and each measure it compares her days with the activity against her days
without it. A comparison is only made when each side has at least ``MIN_DAYS_EACH_SIDE``
days, and a difference is only reported when it holds up after correcting for every
comparison made. What it reports is what went together for her, not what caused it.

Why this method. A diary is not a row of independent days:

* her mood carries over from one day to the next (serial correlation);
* habits persist: she breathes every evening for a week, then stops for a while;
* she recovers over the weeks while she takes up more activities (a slow trend in both).

A test that treats days as independent (a plain permutation or t-test) then finds "patterns"
in pure noise: in simulated 90-day diaries with no effect at all it showed a finding in 21 %
of series at serial correlation 0.5 with habits persisting 0.5, 71 % at 0.6 / 0.8, and 11.5 %
with a recovery trend. So each comparison is, instead:

1. **A regression on the activity with a time trend.** The measure is regressed on "did the
   activity" and the calendar day (ordinary least squares). Her days of recovery and her
   growing uptake then no longer pass for an effect of the activity: the difference tested is
   the one left after the trend (``adjusted_difference``). Her sentence still shows the plain
   averages of both groups of days, and a finding is only shown when both point the same way.
2. **A standard error that allows for carried-over days.** The residuals are taken as a
   first-order autoregressive series; their day-to-day correlation is estimated over pairs of
   consecutive calendar days and corrected for its known small-sample bias towards zero (the
   Marriott-Pope / Kendall correction, ``+(1 + 3r)/n``, never below zero). The variance of
   the estimate is then the exact one for that error structure given her own activity days
   (``sigma^2 / Sxx * (1 + 2 sum_{s<t} x_s x_t phi^(t-s) / Sxx)``, the Bartlett
   / Dutilleul correction for two autocorrelated series): a habit that persists for days
   counts as fewer independent days, a habit that changes every day as about as many.
3. **Student's t with the effective degrees of freedom** (the days divided by the
   inflation above, minus the three fitted terms), not the normal curve, whose tails are too
   thin for a few weeks of days.
4. **An exact permutation test when the days are few** (``EXACT_UP_TO_DAYS`` or fewer): the
   normal and t approximations are anti-conservative there (16 days: 0.046 where the exact
   permutation gives 0.106). The exact two-sided permutation p-value of the difference in
   means (as ``scipy.stats.permutation_test`` computes it with every relabelling) is counted
   exactly over all relabellings by dynamic programming over the sums of each group, and
   the reported p-value is the larger of it and the regression's: each is valid on its own
   terms, so the larger is valid on both.

Up to 9 activities x 6 measures = 54 comparisons are made at once. At a 5 % level each, pure
noise would "find" about three things every time. The Benjamini-Hochberg procedure over every
comparison made keeps the expected share of false findings among those reported at
``FALSE_DISCOVERY_RATE`` (and, under pure noise, the chance of reporting anything at all at
that rate). The interval shown to the practitioner is the matching false-coverage-rate
adjusted interval (Benjamini & Yekutieli 2005) at level ``1 - k q / m`` for ``k`` selected of
``m``, with a standard error taken from the reported p-value, so that a finding's interval
excludes zero exactly when it is selected.

Rejected alternatives: a circular-shift permutation cannot give a p-value below ``1/n`` (one
shift per day), far above the ~0.001 the correction over 54 comparisons needs on 90 days;
Newey-West (HAC) errors are anti-conservative in samples this small and would add numpy,
scipy, pandas and statsmodels (over 150 MB) to the runtime for one regression. Student's t
is computed from the regularised incomplete beta function (its continued fraction);
the tests check it, and the exact permutation, against scipy. ``tests/perf/
test_bench_insights_honesty.py`` is the simulation study behind these choices (its table is in
the README); ``tests/unit/test_insights_honesty.py`` is its small version in the suite.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import compress, pairwise

MIN_DAYS_EACH_SIDE = 7
FALSE_DISCOVERY_RATE = 0.05
MAX_FINDINGS = 3
# Comparisons over this many days or fewer also take the exact permutation p-value.
EXACT_UP_TO_DAYS = 30
# The day-to-day correlation assumed for the errors is kept below this, so that a run of
# identical days cannot make the variance infinite.
MAX_PERSISTENCE = 0.95
# How far above its bias-corrected estimate the correlation is taken, in its standard errors
# (sqrt((1 - r^2) / n)): the upper end of what her days allow, since an underestimate makes
# chance look like a pattern (the simulation study: 9.5 % of no-effect series at 0.6 / 0.8
# with the estimate itself, 1.5 % with this).
UPPER_SD = 1.5
# Values are counted exactly in these steps (sleep is logged in quarter hours).
_EXACT_STEPS = 4

FINDINGS = "findings"
TOO_FEW_DAYS = "too_few_days"
NO_PATTERN = "no_pattern"

METHOD_REGRESSION = "trend_ar1"
METHOD_EXACT = "exact_permutation"


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
    # The difference left after the time trend; None where no regression was made.
    adjusted_difference: float | None = None
    degrees_of_freedom: int = 0
    # The day-to-day correlation assumed for the errors (after the bias correction).
    persistence: float = 0.0
    # Which p-value was the larger one: the regression's or the exact permutation's.
    method: str = METHOD_REGRESSION
    # Calendar days from the first to the last day compared.
    span_days: int = 0
    # Filled in by the correction: the adjusted interval of the difference, whether it
    # excludes zero (the comparison is a finding), and the Benjamini-Hochberg adjusted p.
    low: float | None = None
    high: float | None = None
    selected: bool = False
    adjusted_p: float | None = None

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
    def tested_difference(self) -> float:
        """Return the difference the test was about: after the trend, where one was fitted."""
        if self.adjusted_difference is None:
            return self.difference
        return self.adjusted_difference

    @property
    def helpful(self) -> bool:
        """Tell whether the days with the activity were the better ones, before and after trend."""
        better_higher = MEASURES_BY_KEY[self.measure].higher_is_better
        plain = (self.difference > 0) == better_higher and self.difference != 0
        adjusted = (self.tested_difference > 0) == better_higher and self.tested_difference != 0
        return plain and adjusted


@dataclass(frozen=True)
class Insights:
    """The findings to show, strongest first, and what to say when there are none."""

    findings: tuple[Comparison, ...]
    comparisons_made: int
    # When no comparison could be made yet: the fewest more days that would allow one.
    more_days_needed: int
    # Every (activity, measure) compared, found or not.
    compared: frozenset[tuple[str, str]] = frozenset()

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
    more_needed: list[int] = []
    comparisons = compare_all(days, activities, measures, more_needed=more_needed)
    corrected = benjamini_hochberg(comparisons, rate)
    # Every comparison is tested two-sided and counted in the correction, but this section is
    # about better days: a day that went with worse days is not shown.
    shown = sorted(
        (one for one in corrected if one.selected and one.helpful),
        key=lambda one: (one.p_value, -abs(one.tested_difference)),
    )
    return Insights(
        findings=tuple(shown[:limit]),
        comparisons_made=len(comparisons),
        more_days_needed=0 if comparisons else min(more_needed, default=2 * MIN_DAYS_EACH_SIDE),
        compared=frozenset((one.activity, one.measure) for one in comparisons),
    )


def compare_all(
    days: Iterable[Day],
    activities: Sequence[str],
    measures: Sequence[InsightMeasure] = MEASURES,
    *,
    more_needed: list[int] | None = None,
) -> list[Comparison]:
    """Test every activity on every measure that has enough days on each side, uncorrected.

    ``more_needed``, when given, collects for each comparison not made how many more days
    would allow it.
    """
    more_needed = [] if more_needed is None else more_needed
    by_day = {one.day: one for one in days}
    comparisons: list[Comparison] = []
    for measure in measures:
        paired = _paired(by_day, measure)
        if len(paired) < 2:
            more_needed.append(2 * MIN_DAYS_EACH_SIDE - len(paired))
            continue
        series = _MeasureSeries(paired)
        for activity in activities:
            done = [activity in activities_done for _, activities_done, _ in paired]
            with_count = sum(done)
            short = max(0, MIN_DAYS_EACH_SIDE - with_count) + max(
                0, MIN_DAYS_EACH_SIDE - (len(done) - with_count)
            )
            if short:
                more_needed.append(short)
                continue
            comparisons.append(series.compare(activity, measure.key, done))
    return comparisons


def _paired(
    by_day: Mapping[date, Day], measure: InsightMeasure
) -> list[tuple[date, frozenset, float]]:
    """Pair each day's activities with the measure's value that goes with that day."""
    paired = []
    for day, record in sorted(by_day.items()):
        source = by_day.get(day + timedelta(days=1)) if measure.next_night else record
        value = source.values.get(measure.key) if source is not None else None
        if value is not None:
            paired.append((day, record.activities, float(value)))
    return paired


class _MeasureSeries:
    """One measure's days, with what every activity's comparison on it shares."""

    def __init__(self, paired: Sequence[tuple[date, frozenset, float]]):
        self.ordinals = [day.toordinal() for day, _, _ in paired]
        self.values = [value for _, _, value in paired]
        count = len(self.values)
        self.count = count
        centre = statistics.fmean(self.ordinals)
        self.times = [ordinal - centre for ordinal in self.ordinals]
        self.time_square = sum(time * time for time in self.times)
        self.detrended = self._detrend(self.values)
        # Which neighbouring pairs are one calendar day apart, for the day-to-day correlation.
        self.next_day = [
            self.ordinals[index + 1] - self.ordinals[index] == 1 for index in range(count - 1)
        ]
        self.spread_y = sum(y * y for y in self.detrended)
        self.persistence = self._persistence()
        # phi^(days between each day and the one before): how much of yesterday carries over.
        self.decays = [0.0] + [
            self.persistence ** (later - earlier) for earlier, later in pairwise(self.ordinals)
        ]
        self._exact: _ExactCounts | None | bool = None
        self._filter_cache: tuple | None = None
        self._power_cache: list[float] | None = None

    def _detrend(self, series: Sequence[float]) -> list[float]:
        """Return the series less its mean and its straight-line trend over the days."""
        mean = statistics.fmean(series)
        if self.time_square == 0:
            return [value - mean for value in series]
        slope = sum(t * v for t, v in zip(self.times, series, strict=True)) / self.time_square
        return [v - mean - slope * t for t, v in zip(self.times, series, strict=True)]

    def compare(self, activity: str, measure: str, done: Sequence[bool]) -> Comparison:
        """Test one activity on this measure: trend regression, AR(1) errors, exact if few."""
        with_values = tuple(compress(self.values, done))
        without_values = tuple(compress(self.values, [not is_done for is_done in done]))
        mean_with = statistics.fmean(with_values)
        mean_without = statistics.fmean(without_values)
        adjusted, error, p_value, freedom, persistence = self._regression(done)
        method = METHOD_REGRESSION
        if self.count <= EXACT_UP_TO_DAYS:
            exact = self._exact_p(done)
            if exact is not None and exact > p_value:
                p_value, method = exact, METHOD_EXACT
        return Comparison(
            activity=activity,
            measure=measure,
            values_with=with_values,
            values_without=without_values,
            mean_with=mean_with,
            mean_without=mean_without,
            p_value=p_value,
            standard_error=error,
            adjusted_difference=adjusted,
            degrees_of_freedom=freedom,
            persistence=persistence,
            method=method,
            span_days=self.ordinals[-1] - self.ordinals[0] + 1,
        )

    def _regression(self, done: Sequence[bool]) -> tuple[float, float, float, int, float]:
        """Regress the measure on the activity and the trend; allow for carried-over days."""
        count = self.count
        freedom = max(1, count - 3)
        # The activity less its mean and trend, from sums (y is already detrended, so the
        # cross-product needs only her activity days).
        done_count = sum(done)
        mean_x = done_count / count
        time_x = sum(compress(self.times, done))
        trend_x = time_x / self.time_square if self.time_square else 0.0
        spread_x = done_count - done_count * mean_x - trend_x * time_x
        if spread_x <= 1e-9:
            return 0.0, math.inf, 1.0, freedom, 0.0  # the activity is the trend itself
        cross_xy = sum(compress(self.detrended, done))
        slope = cross_xy / spread_x
        residual_sum = self.spread_y - slope * slope * spread_x
        if residual_sum <= 1e-12 * max(1.0, self.spread_y):
            # Every day fits exactly: only an exact count can say how surprising that is.
            return slope, 0.0, (0.0 if abs(slope) > 1e-9 else 1.0), freedom, 0.0
        persistence = self.persistence
        inflation = 1.0
        if persistence > 0:
            cross = self._carried_over(done, mean_x, trend_x)
            inflation = max(1.0, 1.0 + 2.0 * cross / spread_x)
        freedom = max(1, math.floor(count / inflation) - 3)
        error = math.sqrt(residual_sum / max(1, count - 3) * inflation / spread_x)
        p_value = t_two_sided_p(abs(slope) / error, freedom)
        return slope, error, p_value, freedom, persistence

    def _carried_over(self, done: Sequence[bool], mean_x: float, trend_x: float) -> float:
        """Return the sum over s < t of a_s a_t phi^(t-s), a = activity less mean and trend.

        With a = x - m - b t this is bilinear in (x, 1, t): the terms in 1 and t are sums over
        her activity days of filters computed once per measure, so only the x-x term needs a
        pass, and that one over her activity days alone.
        """
        together = carried = 0.0
        powers = self._powers
        days = list(compress(self.ordinals, done))
        for previous, ordinal in pairwise(days):
            carried = (carried + 1.0) * powers[ordinal - previous]
            together += carried
        ahead_one, ahead_time, behind_one, behind_time, constants = self._filters
        x_one = sum(compress(ahead_one, done))  # sum_{s<t} x_s phi^(t-s)
        x_time = sum(compress(ahead_time, done))  # sum_{s<t} x_s t_t phi^(t-s)
        one_x = sum(compress(behind_one, done))  # sum_{s<t} x_t phi^(t-s)
        time_x = sum(compress(behind_time, done))  # sum_{s<t} t_s x_t phi^(t-s)
        one_one, one_time, time_one, time_time = constants
        return (
            together
            - mean_x * (x_one + one_x)
            - trend_x * (x_time + time_x)
            + mean_x * mean_x * one_one
            + mean_x * trend_x * (one_time + time_one)
            + trend_x * trend_x * time_time
        )

    @property
    def _powers(self) -> list[float]:
        """Return phi^k for every gap k in calendar days that her days can have."""
        if self._power_cache is None:
            span = self.ordinals[-1] - self.ordinals[0] + 1
            self._power_cache = [self.persistence**gap for gap in range(span + 1)]
        return self._power_cache

    @property
    def _filters(self) -> tuple[list[float], list[float], list[float], list[float], tuple]:
        """Return the carry-over filters of ones and of times, ahead and behind, and totals."""
        if self._filter_cache is None:
            count, decays, times = self.count, self.decays, self.times
            # behind[t] = sum_{s<t} v_s phi^(t-s); ahead[s] = sum_{t>s} v_t phi^(t-s).
            behind_one, behind_time = [0.0] * count, [0.0] * count
            for index in range(1, count):
                decay = decays[index]
                behind_one[index] = (behind_one[index - 1] + 1.0) * decay
                behind_time[index] = (behind_time[index - 1] + times[index - 1]) * decay
            ahead_one, ahead_time = [0.0] * count, [0.0] * count
            for index in range(count - 2, -1, -1):
                decay = decays[index + 1]
                ahead_one[index] = (ahead_one[index + 1] + 1.0) * decay
                ahead_time[index] = (ahead_time[index + 1] + times[index + 1]) * decay
            constants = (
                sum(behind_one),  # sum_{s<t} phi^(t-s)
                sum(t * b for t, b in zip(times, behind_one, strict=True)),  # 1_s t_t
                sum(behind_time),  # t_s 1_t
                sum(t * b for t, b in zip(times, behind_time, strict=True)),  # t_s t_t
            )
            self._filter_cache = (ahead_one, ahead_time, behind_one, behind_time, constants)
        return self._filter_cache

    def _persistence(self) -> float:
        """Estimate the day-to-day correlation of her detrended days, at its upper end.

        Taken from the measure itself, not per activity: under no effect that is the error
        series; under a real effect of a persistent habit it is higher, which only costs power.
        The estimate is corrected for its bias towards zero after fitting a mean and a trend
        (about ``-(2 + 4 r) / n``), then raised by ``UPPER_SD`` standard errors.
        """
        series = self.detrended
        pairs = [
            series[index] * series[index + 1]
            for index, consecutive in enumerate(self.next_day)
            if consecutive
        ]
        if not pairs or self.spread_y <= 0:
            return 0.0
        count = self.count
        raw = (sum(pairs) / len(pairs)) / (self.spread_y / count)
        upper = math.sqrt(max(0.0, 1 - raw * raw) / count)
        corrected = raw + (2 + 4 * raw) / count + UPPER_SD * upper
        return min(MAX_PERSISTENCE, max(0.0, corrected))

    def _exact_p(self, done: Sequence[bool]) -> float | None:
        """Return the exact two-sided permutation p of the difference in means, or None."""
        if self._exact is None:
            self._exact = _ExactCounts.of(self.values) or False
        return self._exact.p_value(done) if self._exact else None


@dataclass(frozen=True)
class _ExactCounts:
    """How many ways the days split into groups of each size and each sum of values.

    Each group size's counts are one polynomial in the sum, packed into a Python integer with
    a fixed number of bytes per coefficient: adding a day is a shift and an addition of whole
    integers, which keeps a month of days to a millisecond.
    """

    units: tuple[int, ...]
    packed: tuple[int, ...]
    digit_bytes: int

    @classmethod
    def of(cls, values: Sequence[float]) -> _ExactCounts | None:
        """Count over the logging grid, or return None for values off it."""
        units = [value * _EXACT_STEPS for value in values]
        if any(abs(unit - round(unit)) > 1e-9 for unit in units):
            return None  # not on the logging grid: the regression's p stands alone
        lowest = min(round(unit) for unit in units)
        shifted = [round(unit) - lowest for unit in units]
        step = math.gcd(*shifted) or 1
        scaled = tuple(unit // step for unit in shifted)
        largest = len(scaled) // 2
        # No count exceeds C(n, n // 2): a coefficient never carries into the next one.
        digit_bytes = 4 if math.comb(len(scaled), largest) < 2**32 else 8
        if math.comb(len(scaled), largest) >= 2**64:
            digit_bytes = (math.comb(len(scaled), largest).bit_length() + 7) // 8
        return cls(scaled, _subset_sum_polynomials(scaled, largest, digit_bytes * 8), digit_bytes)

    def _counts(self, size: int) -> list[int]:
        """Return how many groups of ``size`` days reach each sum, from 0 to the total."""
        length = (sum(self.units) + 1) * self.digit_bytes
        raw = self.packed[size].to_bytes(length, "little")
        if self.digit_bytes in (4, 8):
            return memoryview(raw).cast("I" if self.digit_bytes == 4 else "Q").tolist()
        width = self.digit_bytes
        return [
            int.from_bytes(raw[start : start + width], "little")
            for start in range(0, length, width)
        ]

    def p_value(self, done: Sequence[bool]) -> float:
        """Return 2 x the smaller tail of the observed group's sum, as scipy does."""
        count = len(self.units)
        size = sum(done)
        observed = sum(compress(self.units, done))
        if size > count // 2:
            # A group and the rest of the days split the same way: count the smaller one.
            size, observed = count - size, sum(self.units) - observed
        counts = self._counts(size)
        total = math.comb(count, size)
        at_most = sum(counts[: observed + 1])
        at_least = sum(counts[observed:])
        return min(1.0, 2 * min(at_most, at_least) / total)


def exact_permutation_p(values_with: Sequence[float], values_without: Sequence[float]) -> float:
    """Return the exact two-sided permutation p-value of the difference in means.

    Every relabelling of the days is counted (``scipy.stats.permutation_test`` with all
    permutations gives the same); values must lie on the quarter-point grid of the diary.
    """
    exact = _ExactCounts.of([*values_with, *values_without])
    if exact is None:
        raise ValueError("values off the diary's quarter-point grid")
    return exact.p_value([True] * len(values_with) + [False] * len(values_without))


def _subset_sum_polynomials(units: Sequence[int], largest: int, bits: int) -> tuple[int, ...]:
    """Return, per group size up to ``largest``, the packed counts of groups by their sum."""
    packed = [0] * (largest + 1)
    packed[0] = 1
    for seen, unit in enumerate(units, start=1):
        shift = unit * bits
        for size in range(min(seen, largest), 0, -1):
            packed[size] += packed[size - 1] << shift
    return tuple(packed)


def _error_from_p(difference: float, p_value: float, freedom: int) -> float:
    """Return the standard error that gives this p-value for this difference on t(freedom)."""
    if p_value <= 0 or difference == 0:
        return 0.0
    if p_value >= 1:
        return math.inf
    return abs(difference) / t_critical(p_value, freedom)


def t_two_sided_p(statistic: float, freedom: float) -> float:
    """Return P(|T| >= statistic) for Student's t with ``freedom`` degrees of freedom.

    The regularised incomplete beta function I_x(v/2, 1/2) at x = v / (v + t^2), by its
    continued fraction (Lentz's method, as in Numerical Recipes' ``betacf``): a few dozen steps
    whatever the degrees of freedom.
    """
    if math.isinf(statistic):
        return 0.0
    freedom = max(1.0, float(freedom))
    if statistic == 0:
        return 1.0
    x = freedom / (freedom + statistic * statistic)
    return min(1.0, max(0.0, _incomplete_beta(x, freedom / 2, 0.5)))


def _incomplete_beta(x: float, a: float, b: float) -> float:
    """Return the regularised incomplete beta function I_x(a, b) for 0 <= x <= 1."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x > (a + 1) / (a + b + 2):
        # The continued fraction converges fast only below its mean: use the symmetry.
        return 1.0 - _incomplete_beta(1 - x, b, a)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    fraction = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            fraction *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return front * fraction / a


def t_critical(level: float, freedom: int) -> float:
    """Return the t value whose two-sided tail probability is ``level``."""
    low, high = 0.0, 1.0
    while t_two_sided_p(high, freedom) > level:
        low, high = high, high * 2
        if high > 1e12:
            return high
    for _ in range(36):
        middle = (low + high) / 2
        if t_two_sided_p(middle, freedom) > level:
            low = middle
        else:
            high = middle
    return high


def benjamini_hochberg(comparisons: Sequence[Comparison], rate: float) -> list[Comparison]:
    """Select by Benjamini-Hochberg, with adjusted p-values and intervals for the selected."""
    total = len(comparisons)
    if not total:
        return []
    ranked = sorted(range(total), key=lambda index: comparisons[index].p_value)
    selected_count = 0
    for rank, index in enumerate(ranked, start=1):
        if comparisons[index].p_value <= rank * rate / total:
            selected_count = rank
    # The adjusted p-value: the smallest rate at which the comparison would be selected.
    adjusted: dict[int, float] = {}
    running = 1.0
    for rank in range(total, 0, -1):
        index = ranked[rank - 1]
        running = min(running, comparisons[index].p_value * total / rank)
        adjusted[index] = running
    level = selected_count * rate / total
    chosen = set(ranked[:selected_count])
    result = []
    for index, one in enumerate(comparisons):
        one = replace(one, adjusted_p=adjusted[index])
        if index in chosen:
            # Benjamini & Yekutieli (2005): intervals at level 1 - k*q/m for the k selected.
            # The standard error that matches the reported p-value (the larger of the
            # regression's and the exact permutation's), so the interval agrees with it.
            centre = one.tested_difference
            freedom = one.degrees_of_freedom or max(1, one.days_with + one.days_without - 2)
            error = _error_from_p(centre, one.p_value, freedom)
            margin = t_critical(level, freedom) * error if math.isfinite(error) else 0.0
            one = replace(one, standard_error=error)
            one = replace(one, low=centre - margin, high=centre + margin, selected=True)
        result.append(one)
    return result
