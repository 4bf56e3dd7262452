"""Say in words what went together with her better days: the summary's insight section.

The findings come from ``portal.insights`` (pure statistics); this module turns them into the
sentences, the notices and the small charts that the progress page, the PDF and the
practitioner's client page show, all from the same ``ProgressSummary.insights``. A mother
reads words and two averages, never a p-value; the practitioner also reads the interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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

# Only findings in the helpful direction are shown, so each measure has one way to say it. The
# words say "went together with", never "helps": the method finds patterns, not causes.
FINDING_SENTENCES = {
    "mood": _l(
        "On the %(num)d days %(activity)s, your mood was often better"
        " (%(with)s against %(without)s on the other days, on a scale of 1 to 5)."
    ),
    "tension": _l(
        "On the %(num)d days %(activity)s, your tension was often lower"
        " (%(with)s against %(without)s on the other days, on a scale of 1 to 5)."
    ),
    "energy": _l(
        "On the %(num)d days %(activity)s, you often had more energy"
        " (%(with)s against %(without)s on the other days, on a scale of 1 to 5)."
    ),
    "bonding": _l(
        "On the %(num)d days %(activity)s, you often felt more connected to your baby"
        " (%(with)s against %(without)s on the other days, on a scale of 1 to 5)."
    ),
    "sleep_hours": _l(
        "On the %(num)d days %(activity)s, you often slept longer the night after"
        " (%(with)s against %(without)s hours after the other days)."
    ),
    "sleep_quality": _l(
        "On the %(num)d days %(activity)s, you often slept better the night after"
        " (%(with)s against %(without)s after the other days, on a scale of 1 to 5)."
    ),
}
assert set(FINDING_SENTENCES) == {measure.key for measure in insights.MEASURES}

# How long a finding that no longer holds leaves a line saying so.
RECENTLY_SHOWN_DAYS = 14
# What it says.
EARLIER_SENTENCES = {
    "mood": _l("Earlier we saw that your mood was often better on days %(activity)s."),
    "tension": _l("Earlier we saw that your tension was often lower on days %(activity)s."),
    "energy": _l("Earlier we saw that you often had more energy on days %(activity)s."),
    "bonding": _l(
        "Earlier we saw that you often felt more connected to your baby on days %(activity)s."
    ),
    "sleep_hours": _l(
        "Earlier we saw that you often slept longer in the night after days %(activity)s."
    ),
    "sleep_quality": _l(
        "Earlier we saw that you often slept better in the night after days %(activity)s."
    ),
}
assert set(EARLIER_SENTENCES) == set(FINDING_SENTENCES)

# Below this Benjamini-Hochberg adjusted p-value the pattern is called clear; up to the false
# discovery rate it is "clear enough to mention, but it can be chance".
CLEAR_BELOW = 0.01

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
    # What went together, with both averages, and how sure that is, in plain words.
    sentence: str
    certainty: str
    days_with: int
    days_without: int
    values_with: tuple[float, ...]
    values_without: tuple[float, ...]
    # For the practitioner: the difference, its adjusted interval, the adjusted p and the
    # method, already formatted.
    detail: str


@dataclass(frozen=True)
class InsightSection:
    """The section on what went together with better days: findings, or why there are none."""

    status: str
    lines: tuple[InsightLine, ...]
    notice: str
    comparisons_made: int
    method: str
    # For the practitioner: the method in clinical words.
    method_clinical: str = ""
    # Findings shown in the last RECENTLY_SHOWN_DAYS days that no longer hold, in words.
    earlier: tuple[str, ...] = ()
    # The (activity, measure) pairs shown now, for remembering what she was told.
    shown: tuple[tuple[str, str], ...] = ()


def insight_section(
    days: Sequence[insights.Day],
    locale: str,
    recently_shown: Iterable[tuple[str, str]] = (),
) -> InsightSection:
    """Find what went together with her better days and say it in the reader's language.

    ``recently_shown`` are the (activity, measure) pairs shown to her in the last
    ``RECENTLY_SHOWN_DAYS`` days: each that was compared again and no longer holds leaves a
    line saying so.
    """
    found = insights.find_insights(days, ACTIVITIES)
    shown = tuple((one.activity, one.measure) for one in found.findings)
    gone = [
        pair
        for pair in dict.fromkeys(recently_shown)
        if pair not in shown and pair in found.compared and pair[1] in EARLIER_SENTENCES
    ]
    with force_locale(locale):
        lines = tuple(_line(finding, found.comparisons_made, locale) for finding in found.findings)
        earlier = tuple(
            "{} {}".format(
                EARLIER_SENTENCES[measure] % {"activity": ACTIVITY_PHRASES[activity]},
                _("In the days shown now, we no longer see it."),
            )
            for activity, measure in gone
            if activity in ACTIVITY_PHRASES
        )
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
            " tension, energy, bonding, and sleep in the night after the day. We only compare"
            " when there are at least 7 days on each side. We allow for the way days hang"
            " together: a good day is often followed by another, habits last for days, and you"
            " recover over the weeks. Because many things are compared at once, a pattern is"
            " only shown when it stays clear after taking all of them into account. Even then"
            " it can be chance. It shows what went together for you, not what caused it: a good"
            " day can also make a walk or a hug more likely."
        )
        method_clinical = _(
            "Method: per activity and measure, a regression of the measure on the activity"
            " with a linear time trend; the standard error allows for day-to-day carry-over"
            " (AR(1) residuals, bias-corrected estimate taken at its upper end) with Student's t"
            " on the effective degrees of freedom; on %(exact)d days or fewer also the exact"
            " permutation test of the difference in means, the larger p-value counting."
            " Benjamini-Hochberg at %(rate)d%% over all %(made)d comparisons made; intervals"
            " are false-coverage adjusted (Benjamini-Yekutieli). In simulated 90-day diaries"
            " with no effect, with carry-over, persistent habits or a recovery trend, at most"
            " 5%% of series show any finding. Associations, not causes.",
            exact=insights.EXACT_UP_TO_DAYS,
            rate=round(insights.FALSE_DISCOVERY_RATE * 100),
            made=found.comparisons_made,
        )
    return InsightSection(
        status=found.status,
        lines=lines,
        notice=notice,
        comparisons_made=found.comparisons_made,
        method=method,
        method_clinical=method_clinical,
        earlier=earlier,
        shown=shown,
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
    """Put one finding into a sentence, how sure it is, and a detail line."""
    sentence = FINDING_SENTENCES[finding.measure] % {
        "num": finding.days_with,
        "activity": ACTIVITY_PHRASES[finding.activity],
        "with": _number(finding.mean_with, locale),
        "without": _number(finding.mean_without, locale),
    }
    weeks = max(1, round(finding.span_days / 7))
    if finding.adjusted_p is not None and finding.adjusted_p <= CLEAR_BELOW:
        certainty = ngettext(
            "Over %(num)d week this pattern was clear; chance is unlikely to explain it, but it"
            " does not show that one causes the other.",
            "Over %(num)d weeks this pattern was clear; chance is unlikely to explain it, but it"
            " does not show that one causes the other.",
            weeks,
        )
    else:
        certainty = ngettext(
            "Over %(num)d week this can still be chance; the pattern was clear enough to mention.",
            "Over %(num)d weeks this can still be chance; the pattern was clear enough to mention.",
            weeks,
        )
    if finding.method == insights.METHOD_EXACT:
        how = _("exact permutation test (few days)")
    else:
        how = _(
            "trend regression, carry-over %(persistence)s, t with %(freedom)d degrees of freedom",
            persistence=_number(finding.persistence, locale, "0.00"),
            freedom=finding.degrees_of_freedom,
        )
    detail = _(
        "Difference after the trend %(difference)s (adjusted interval %(low)s to %(high)s);"
        " %(with)d days with, %(without)d without; adjusted p %(p)s over %(made)d comparisons;"
        " %(how)s.",
        difference=_number(finding.tested_difference, locale, "+0.0;-0.0"),
        low=_number(finding.low, locale, "+0.0;-0.0"),
        high=_number(finding.high, locale, "+0.0;-0.0"),
        p=_p_text(finding.adjusted_p, locale),
        how=how,
        **{"with": finding.days_with, "without": finding.days_without, "made": made},
    )
    return InsightLine(
        activity=finding.activity,
        measure=finding.measure,
        sentence=sentence,
        certainty=certainty,
        days_with=finding.days_with,
        days_without=finding.days_without,
        values_with=finding.values_with,
        values_without=finding.values_without,
        detail=detail,
    )


def _p_text(p_value: float | None, locale: str) -> str:
    """Format an adjusted p-value as clinicians read it: three decimals, or below 0.001."""
    if p_value is None:
        return "-"
    if p_value < 0.001:
        return "< " + format_decimal(0.001, "0.000", locale=locale)
    return format_decimal(p_value, "0.000", locale=locale)


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
