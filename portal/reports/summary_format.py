"""The progress summary's words and figures: averages, day series, activity counts, dates.

Pure functions of rows and values that return what a reader sees, in the reader's language
(the caller forces the locale); they read no database, so a test calls them with plain rows.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import charts
from portal.checkins.forms import ACTIVITY_LABELS
from portal.i18n import date_locale
from portal.models import ACTIVITIES
from portal.reports.summary_types import (
    MEASURE_KEYS,
    NO_VALUE,
    TOP_ACTIVITIES,
    ActivityCount,
    Average,
    Measure,
    Period,
)

# The bands as a colleague reads them (the instruments' own meanings speak to the mother).
# EPDS: Cox et al. 1987; Dutch validation Pop et al. 1992 (cut-off 12/13; practice discusses
# from 10). GAD-7: Spitzer et al. 2006 (10 or more warrants follow-up).
CLINICAL_BAND_WORDING = {
    ("epds", "few_symptoms"): _l("EPDS 0-9: below the threshold for discussion."),
    ("epds", "possible_depression"): _l(
        "EPDS 10-12: possible depression; below the Dutch validated cut-off of 12/13, discuss."
    ),
    ("epds", "probable_depression"): _l(
        "EPDS 13 or more: probable depression, at or above the Dutch validated cut-off of 12/13;"
        " follow-up indicated."
    ),
    ("gad7", "minimal"): _l("GAD-7 0-4: minimal anxiety."),
    ("gad7", "mild"): _l("GAD-7 5-9: mild anxiety."),
    ("gad7", "moderate"): _l("GAD-7 10-14: moderate anxiety; follow-up indicated."),
    ("gad7", "severe"): _l("GAD-7 15 or more: severe anxiety; follow-up indicated."),
}


def _short_name(name: str, key: str) -> str:
    """Return the abbreviation an instrument's name ends with, e.g. "GAD-7"."""
    match = re.search(r"\(([^()]+)\)\s*$", name)
    return match.group(1) if match else key.upper()


def _mean(values: Iterable[float | int]) -> Decimal | None:
    """Return the mean of the values exactly (as written, not as binary floats), or None."""
    exact = [Decimal(str(value)) for value in values]
    return sum(exact) / len(exact) if exact else None


def _rounded(value: Decimal | None, decimals: int) -> Decimal | None:
    """Round half up to the shown number of decimals, as a person would."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _average(
    measure: Measure, current: Sequence[sa.Row], previous: Sequence[sa.Row], locale: str
) -> Average:
    """Average one measure now and before; the change is taken between the shown values."""
    now_values = [value for row in current if (value := getattr(row, measure.key)) is not None]
    before_values = [value for row in previous if (value := getattr(row, measure.key)) is not None]
    value = _rounded(_mean(now_values), measure.decimals)
    earlier = _rounded(_mean(before_values), measure.decimals)
    change = value - earlier if value is not None and earlier is not None else None
    pattern = "0" if measure.decimals == 0 else "0." + "0" * measure.decimals
    if change is None:
        change_text, words = "", _("no comparison")
    elif change == 0:
        change_text, words = format_decimal(abs(change), pattern, locale=locale), _("the same")
    else:
        signed = f"+{pattern};-{pattern}"
        change_text = format_decimal(change, signed, locale=locale)
        words = _("higher") if change > 0 else _("lower")
    return Average(
        key=measure.key,
        label=str(measure.label),
        hint=str(measure.hint),
        value=value,
        previous=earlier,
        change=change,
        value_text=format_decimal(value, pattern, locale=locale) if value is not None else NO_VALUE,
        previous_text=(
            format_decimal(earlier, pattern, locale=locale) if earlier is not None else NO_VALUE
        ),
        change_text=change_text,
        change_words=words,
        days_logged=len(now_values),
    )


def _series(current: Sequence[sa.Row], period: Period) -> dict[str, tuple[float | None, ...]]:
    """Return one value per day of the period for each measure, None where nothing was logged."""
    by_day = {row.day: row for row in current}
    series = {}
    for key in MEASURE_KEYS:
        values = []
        for day in period.dates():
            row = by_day.get(day)
            value = getattr(row, key) if row is not None else None
            values.append(float(value) if value is not None else None)
        series[key] = tuple(values)
    return series


def _activities(current: Sequence[sa.Row]) -> tuple[ActivityCount, ...]:
    """Return the activities done on most logged days, at most five, most frequent first."""
    counts = Counter(
        key for row in current for key in set(row.activities or ()) if key in ACTIVITY_LABELS
    )
    ranked = sorted(counts.items(), key=lambda item: (-item[1], ACTIVITIES.index(item[0])))
    return tuple(
        ActivityCount(key, str(ACTIVITY_LABELS[key]), count)
        for key, count in ranked[:TOP_ACTIVITIES]
    )


def _trends(series: Sequence[charts.Series], number) -> str:
    """Describe each line of a chart in words, for its text alternative."""
    return "; ".join(
        charts.trend_summary(one.label, one.values, gettext=_, format_number=number)
        for one in series
    )


def _number_formatter(locale: str):
    """Return a function that formats a number with one decimal in the locale."""
    return lambda value: format_decimal(_rounded(Decimal(str(value)), 1), "0.0", locale=locale)


def _pick_text(texts: Mapping[str, str], locale: str) -> str | None:
    """Return the text in the reader's language, else Dutch, else English, else any."""
    for candidate in (locale, locale.split("_")[0], "nl", "en"):
        if candidate in texts:
            return texts[candidate]
    return next(iter(texts.values()), None)


def _date_text(day: date, locale: str, style: str = "long") -> str:
    """Format a calendar date in the reader's language."""
    return format_date(day, style, locale=date_locale(locale))


def _moment_text(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """Format a UTC timestamp as the client's local date and time."""
    local = moment.astimezone(zone)
    return f"{format_date(local.date(), 'long', locale=date_locale(locale))} {local:%H:%M}"


def _period_text(period: Period, locale: str) -> str:
    """Say the period in words: its first and last day."""
    return _(
        "%(start)s to %(end)s",
        start=_date_text(period.start, locale),
        end=_date_text(period.end, locale),
    )
