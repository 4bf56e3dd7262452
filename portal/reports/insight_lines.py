"""Say what seems to help her in words: the summary's "what seems to help you" section.

The findings come from ``portal.insights`` (pure statistics); this module turns them into the
sentences, the notices and the small charts that the progress page, the PDF and the
practitioner's client page show, all from the same ``ProgressSummary.insights``. A mother
reads words and two averages, never a p-value; the practitioner also reads the interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babel.numbers import format_decimal
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import charts, insights, measures
from portal.models import ACTIVITIES

# "On the 14 days <phrase>, ...": how each activity reads inside that sentence.
ACTIVITY_PHRASES = {
    "hug": _l("you had a hug of 20 seconds or more"),
    "safe_company": _l("you spent time with people who feel safe"),
    "laughing_singing": _l("you laughed or sang"),
    "breathing": _l("you did a breathing exercise"),
    "meditation": _l("you meditated"),
    "fibre_meal": _l("you had a fibre-rich meal"),
    "fermented_food": _l("you had fermented food"),
    "pet": _l("you spent time with a pet"),
    "walk_outside": _l("you went for a walk outside"),
}
assert set(ACTIVITY_PHRASES) == set(ACTIVITIES)

# Only findings in the helpful direction are shown, so each measure has one way to say it.
FINDING_SENTENCES = {
    "mood": _l(
        "On the %(num)d days %(activity)s, your mood was better"
        " (%(with)s against %(without)s, on a scale of 1 to 5)."
    ),
    "tension": _l(
        "On the %(num)d days %(activity)s, your tension was lower"
        " (%(with)s against %(without)s, on a scale of 1 to 5)."
    ),
    "energy": _l(
        "On the %(num)d days %(activity)s, you had more energy"
        " (%(with)s against %(without)s, on a scale of 1 to 5)."
    ),
    "bonding": _l(
        "On the %(num)d days %(activity)s, you felt more connected to your baby"
        " (%(with)s against %(without)s, on a scale of 1 to 5)."
    ),
    "sleep_hours": _l(
        "On the %(num)d days %(activity)s, you slept longer the night after"
        " (%(with)s against %(without)s hours)."
    ),
    "sleep_quality": _l(
        "On the %(num)d days %(activity)s, you slept better the night after"
        " (%(with)s against %(without)s, on a scale of 1 to 5)."
    ),
}
assert set(FINDING_SENTENCES) == {measure.key for measure in insights.MEASURES}

MEASURE_NAMES = {
    "mood": measures.name("mood"),
    "tension": measures.name("tension"),
    "energy": measures.name("energy"),
    "bonding": measures.name("bonding"),
    "sleep_hours": _l("Sleep the night after (hours)"),
    "sleep_quality": _l("Sleep quality the night after"),
}
MEASURE_RANGES = {key: (1, 5) for key in MEASURE_NAMES} | {"sleep_hours": (0, 12)}


@dataclass(frozen=True)
class InsightLine:
    """One finding in words, with the values of both groups of days for its chart."""

    activity: str
    measure: str
    sentence: str
    days_with: int
    days_without: int
    values_with: tuple[float, ...]
    values_without: tuple[float, ...]
    # For the practitioner: the difference and its corrected interval, already formatted.
    detail: str


@dataclass(frozen=True)
class InsightSection:
    """The "what seems to help you" section: findings, or a notice saying why there are none."""

    status: str
    lines: tuple[InsightLine, ...]
    notice: str
    comparisons_made: int
    method: str


def insight_section(days: Sequence[insights.Day], locale: str) -> InsightSection:
    """Find what went together with her better days and say it in the reader's language."""
    found = insights.find_insights(days, ACTIVITIES)
    with force_locale(locale):
        lines = tuple(_line(finding, found.comparisons_made, locale) for finding in found.findings)
        if found.status == insights.TOO_FEW_DAYS:
            notice = ngettext(
                "Not enough days yet to tell. Each activity needs at least 7 days with it and"
                " 7 days without it. About %(num)d more day of check-ins would help.",
                "Not enough days yet to tell. Each activity needs at least 7 days with it and"
                " 7 days without it. About %(num)d more days of check-ins would help.",
                found.more_days_needed,
            )
        elif found.status == insights.NO_PATTERN:
            notice = _(
                "No activity went together with a clear difference yet. This can change as you"
                " log more days."
            )
        else:
            notice = _("This shows what went together for you, not what caused it.")
        method = _(
            "For each activity we compare your days with it and your days without it: mood,"
            " tension, energy, bonding, and sleep in the night after the day. A difference is"
            " only shown when there are at least 7 days on each side, and when it is too large"
            " and too steady to be chance, even though many things are compared at once."
            " It shows what went together for you, not what caused it: a good day can also"
            " make a walk or a hug more likely."
        )
    return InsightSection(
        status=found.status,
        lines=lines,
        notice=notice,
        comparisons_made=found.comparisons_made,
        method=method,
    )


def checkin_days(rows: Sequence, measure_keys: Sequence[str]) -> tuple[insights.Day, ...]:
    """Turn check-in rows (day, measures, activities) into the plain days insights take."""
    return tuple(
        insights.Day(
            day=row.day,
            activities=frozenset(row.activities or ()),
            values={
                key: float(value)
                for key in measure_keys
                if (value := getattr(row, key, None)) is not None
            },
        )
        for row in rows
    )


def _number(value: float, locale: str, pattern: str = "0.0") -> str:
    """Format a mean with one decimal in the reader's language."""
    return format_decimal(round(value, 1), pattern, locale=locale)


def _line(finding: insights.Comparison, made: int, locale: str) -> InsightLine:
    """Put one finding into a sentence and a detail line."""
    sentence = FINDING_SENTENCES[finding.measure] % {
        "num": finding.days_with,
        "activity": ACTIVITY_PHRASES[finding.activity],
        "with": _number(finding.mean_with, locale),
        "without": _number(finding.mean_without, locale),
    }
    detail = _(
        "Difference %(difference)s (corrected interval %(low)s to %(high)s); %(with)d days with,"
        " %(without)d without; %(made)d comparisons, Benjamini-Hochberg at 5%%.",
        difference=_number(finding.difference, locale, "+0.0;-0.0"),
        low=_number(finding.low, locale, "+0.0;-0.0"),
        high=_number(finding.high, locale, "+0.0;-0.0"),
        **{"with": finding.days_with, "without": finding.days_without, "made": made},
    )
    return InsightLine(
        activity=finding.activity,
        measure=finding.measure,
        sentence=sentence,
        days_with=finding.days_with,
        days_without=finding.days_without,
        values_with=finding.values_with,
        values_without=finding.values_without,
        detail=detail,
    )


def insight_charts(
    section: InsightSection | None, locale: str, *, width: int = 400
) -> tuple[charts.Chart, ...]:
    """Draw one strip chart per finding: her days with and without the activity, as dots."""
    if section is None:
        return ()
    drawn = []
    with force_locale(locale):
        for line in section.lines:
            with_label, without_label = _("With"), _("Without")
            summary = _(
                "%(with_label)s: %(num_with)d days, average %(with)s;"
                " %(without_label)s: %(num_without)d days, average %(without)s",
                with_label=with_label,
                without_label=without_label,
                num_with=line.days_with,
                num_without=line.days_without,
                **{
                    "with": _number(sum(line.values_with) / line.days_with, locale),
                    "without": _number(sum(line.values_without) / line.days_without, locale),
                },
            )
            low, high = MEASURE_RANGES[line.measure]
            high = max(high, int(max((*line.values_with, *line.values_without))) + 1)
            drawn.append(
                charts.strip_chart(
                    str(MEASURE_NAMES[line.measure]),
                    [
                        charts.Strip(with_label, line.values_with),
                        charts.Strip(without_label, line.values_without),
                    ],
                    x_range=(low, high if line.measure == "sleep_hours" else 5),
                    summary=summary,
                    width=width,
                )
            )
    return tuple(drawn)
