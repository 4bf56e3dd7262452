"""One progress summary for a client and a period: the page, the PDF and the practice header.

``build_summary`` reads the database in a fixed number of queries (however many days or rows
the period holds) and returns a frozen ``ProgressSummary`` of plain data whose numbers are
already formatted for the reader's language, so that every place that shows them shows the
same text. ``summary_charts`` draws its charts with the shared chart module.

The parts live beside this module, one job each: ``summary_types`` (the dataclasses,
audiences and constants), ``summary_queries`` (the database reads) and ``summary_format``
(words, dates and numbers). Callers import from here, which re-exports their public names.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from portal import charts, measures
from portal.dates import local_today, weeks_postpartum
from portal.extensions import db
from portal.models import ClientProfile, User
from portal.reports import insight_cache
from portal.reports.insight_lines import checkin_days, insight_section
from portal.reports.insights_shown import recently_shown
from portal.reports.referral import referral_front
from portal.reports.summary_format import (
    CLINICAL_BAND_WORDING,
    _activities,
    _average,
    _date_text,
    _moment_text,
    _number_formatter,
    _period_text,
    _series,
    _trends,
)
from portal.reports.summary_queries import (
    _checkin_rows,
    _flags,
    _guidance,
    _notes,
    _questionnaires,
)
from portal.reports.summary_types import (
    AUDIENCES,
    CLIENT,
    DEFAULT_DAYS,
    MAX_RANGE_DAYS,
    MEASURE_KEYS,
    MEASURES,
    MIN_DAYS_FOR_CHARTS,
    NO_VALUE,
    PERIOD_CHOICES,
    PRACTITIONER,
    REFERRAL,
    SCALE_CHART_KEYS,
    SCALE_RANGE,
    SLEEP_RANGE,
    TOP_ACTIVITIES,
    ActivityCount,
    Average,
    FlagLine,
    FlagOverview,
    InstrumentSource,
    Measure,
    ModuleProgress,
    NoteLine,
    Period,
    PeriodError,
    ProgressSummary,
    QuestionnaireLine,
    Sender,
    checked_period,
    last_days,
)
from portal.templating import DELIVERY_TYPE_LABELS

# Every name callers imported from this module before it was split keeps working.
__all__ = [
    "AUDIENCES",
    "CLIENT",
    "CLINICAL_BAND_WORDING",
    "DEFAULT_DAYS",
    "MAX_RANGE_DAYS",
    "MEASURES",
    "MEASURE_KEYS",
    "MIN_DAYS_FOR_CHARTS",
    "NO_VALUE",
    "PERIOD_CHOICES",
    "PRACTITIONER",
    "REFERRAL",
    "SCALE_CHART_KEYS",
    "SCALE_RANGE",
    "SLEEP_RANGE",
    "TOP_ACTIVITIES",
    "ActivityCount",
    "Average",
    "FlagLine",
    "FlagOverview",
    "InstrumentSource",
    "Measure",
    "ModuleProgress",
    "NoteLine",
    "Period",
    "PeriodError",
    "ProgressSummary",
    "QuestionnaireLine",
    "Sender",
    "build_summary",
    "checked_period",
    "last_days",
    "summary_charts",
    "summary_for_header",
]


def insight_key(period: Period, locale: str) -> str:
    """Name a period and language for the insight cache."""
    return f"{period.start.isoformat()} {period.end.isoformat()} {locale}"


def build_summary(
    client: User,
    period_start: date,
    period_end: date,
    *,
    audience: str = CLIENT,
    locale: str = "nl",
    sender: User | None = None,
    reason: str | None = None,
    include_contact: bool = True,
    keep_insights: bool = False,
) -> ProgressSummary:
    """Build the progress summary of a client for a period, in a fixed number of queries.

    The referral version names the sender (``sender``, else her own practitioner) and opens
    with its own first page: the ``reason`` for sharing, the current risk, the latest scores,
    what was done and how to reach her (her phone only when ``include_contact``). With
    ``keep_insights`` the insight section is read from, or kept in, the day's cache (her
    progress page and the PDFs, where it is most of the work on a long period).
    """
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    if period_start > period_end:
        raise ValueError("period_start is after period_end")
    period = Period(period_start, period_end)
    zone = ZoneInfo(client.timezone or "Europe/Amsterdam")
    practitioner_version = audience == PRACTITIONER
    clinical = audience in (PRACTITIONER, REFERRAL)
    with force_locale(locale):
        profile = db.session.get(ClientProfile, client.id)
        referral = {}
        if audience == REFERRAL:
            referral = _referral_facts(profile, sender, locale)
            referral["front"] = referral_front(
                client.id,
                profile,
                period,
                zone,
                locale,
                sender=referral["sender"],
                reason=reason,
                include_contact=include_contact,
            )
        checkins = _checkin_rows(client.id, period)
        current = [row for row in checkins if row.day >= period.start]
        previous = [row for row in checkins if row.day < period.start]
        delivery_date = profile.delivery_date if profile else None
        delivery_type = profile.delivery_type if profile else None
        questionnaires, instruments = _questionnaires(client.id, period, zone, locale, audience)
        shown_before = recently_shown(client.id, period.end)
        return ProgressSummary(
            audience=audience,
            locale=locale,
            practice_name=current_app.config["PRACTICE_NAME"],
            practice_logo=_practice_logo(),
            client_id=client.id,
            client_name=client.full_name,
            delivery_date=delivery_date,
            delivery_date_text=_date_text(delivery_date, locale) if delivery_date else NO_VALUE,
            delivery_type_text=(
                str(DELIVERY_TYPE_LABELS.get(delivery_type, delivery_type))
                if delivery_type
                else NO_VALUE
            ),
            weeks_postpartum=weeks_postpartum(delivery_date, period.end),
            period=period,
            period_text=_period_text(period, locale),
            previous_period_text=_period_text(period.previous(), locale),
            made_text=_moment_text(datetime.now(UTC), zone, locale),
            days_logged=len(current),
            is_sparse=len(current) < MIN_DAYS_FOR_CHARTS,
            averages=tuple(_average(measure, current, previous, locale) for measure in MEASURES),
            days=period.dates(),
            series=_series(current, period),
            questionnaires=questionnaires,
            instruments=instruments,
            # Colleagues read how a flag was handled too (her consent names it).
            flags=_flags(client.id, period, zone, locale, clinical, clinical),
            # Activities (named in her words) and guidance are not part of what she shares.
            activities=() if audience == REFERRAL else _activities(current),
            guidance=() if audience == REFERRAL else _guidance(client.id, period, zone, locale),
            notes=_notes(client.id, period, zone, locale, practitioner_version, clinical),
            # Her insights are worded for her and are not part of what she shares.
            insights=(
                None
                if audience == REFERRAL
                else _insights(client, period, locale, current, keep_insights, shown_before)
            ),
            **referral,
        )


def _insights(client: User, period: Period, locale: str, current, keep: bool, shown_before):
    """Find what went with her better days; kept for the day until her next save when asked."""
    today = local_today(client.timezone)

    def compute():
        # A finding that went leaves a line only in a view that ends today. `shown_before` is
        # read always, so that every summary runs the same number of queries.
        return insight_section(
            checkin_days(current, MEASURE_KEYS),
            locale,
            shown_before if period.end == today else (),
        )

    if not keep:
        return compute()
    key = insight_key(period, locale)
    return insight_cache.section(client.id, today, key, compute)


def _referral_facts(profile: ClientProfile | None, sender: User | None, locale: str) -> dict:
    """Return her date of birth and the sender, as the referral version shows them."""
    sender = sender or (profile.practitioner if profile else None)
    birth = profile.date_of_birth if profile else None
    return {
        "date_of_birth_text": _date_text(birth, locale) if birth else NO_VALUE,
        "sender": Sender(
            name=sender.full_name if sender else NO_VALUE,
            practice=current_app.config["PRACTICE_NAME"],
            phone=current_app.config["PRACTICE_PHONE"],
        ),
    }


def summary_for_header(client: User, days: int = DEFAULT_DAYS) -> ProgressSummary:
    """Build the practitioner's summary of the last ``days`` days for the client page header."""
    period = last_days(days, local_today(client.timezone))
    return build_summary(
        client,
        period.start,
        period.end,
        audience=PRACTITIONER,
        locale=str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
    )


def summary_charts(
    summary: ProgressSummary, *, width: int = 640, height: int = 240
) -> tuple[charts.Chart, ...]:
    """Draw the summary's charts (none for a sparse period: the page says so in words)."""
    if summary.is_sparse:
        return ()
    with force_locale(summary.locale):
        number = _number_formatter(summary.locale)
        scales = [
            charts.Series(summary.average(key).label, summary.series[key])
            for key in SCALE_CHART_KEYS
        ]
        scale_chart = charts.line_chart(
            _("Mood, tension, energy and bonding (1 to 5)"),
            summary.days,
            scales,
            y_range=SCALE_RANGE,
            summary=_trends(scales, number),
            width=width,
            height=height,
            colours=[measures.colour(key) for key in SCALE_CHART_KEYS],
        )
        sleep = charts.Series(summary.average("sleep_hours").label, summary.series["sleep_hours"])
        # A rare night over 12 hours still fits; the scale never shrinks below 0-12.
        longest = max((value for value in sleep.values if value is not None), default=0)
        sleep_chart = charts.line_chart(
            _("Sleep (hours per night)"),
            summary.days,
            [sleep],
            y_range=(SLEEP_RANGE[0], max(SLEEP_RANGE[1], math.ceil(longest))),
            summary=_trends([sleep], number),
            width=width,
            height=height,
            colours=[measures.colour("sleep_hours")],
        )
    return scale_chart, sleep_chart


def _practice_logo() -> str | None:
    """Return the configured logo's path under static/ if it is a file there, else None."""
    configured = current_app.config.get("PRACTICE_LOGO")
    if not configured:
        return None
    static = Path(current_app.static_folder).resolve()
    path = (static / configured).resolve()
    if not path.is_relative_to(static) or not path.is_file():
        current_app.logger.warning("PRACTICE_LOGO %r is not a file under static/", configured)
        return None
    return path.relative_to(static).as_posix()
