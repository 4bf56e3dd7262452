"""One progress summary for a client and a period: the page, the PDF and the practice header.

``build_summary`` reads the database in a fixed number of queries (however many days or rows
the period holds) and returns a frozen ``ProgressSummary`` of plain data whose numbers are
already formatted for the reader's language, so that every place that shows them shows the
same text. ``summary_charts`` draws its charts with the shared chart module.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal import charts, labels
from portal.checkins.forms import ACTIVITY_LABELS
from portal.dates import local_today, weeks_postpartum
from portal.extensions import db
from portal.i18n import date_locale
from portal.models import (
    ACTIVITIES,
    Assignment,
    CheckIn,
    ClientProfile,
    Flag,
    InstrumentText,
    Lesson,
    LessonProgress,
    Module,
    ModuleText,
    Note,
    QuestionnaireResponse,
    User,
)
from portal.questionnaires.instruments import Instrument, InvalidDefinition, load_instrument
from portal.reports.insight_lines import InsightSection, checkin_days, insight_section
from portal.templating import DELIVERY_TYPE_LABELS, LEVEL_LABELS

CLIENT = "client"
PRACTITIONER = "practitioner"
# For colleagues in her care team: identifiers and a sender, clinical wording, never a private
# note (nor a flag's acknowledgement note, the practice's working note).
REFERRAL = "referral"
AUDIENCES = (CLIENT, PRACTITIONER, REFERRAL)

PERIOD_CHOICES = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 366
# Below this many logged days a chart would be a dot or nothing: say it in words instead.
MIN_DAYS_FOR_CHARTS = 2
TOP_ACTIVITIES = 5
NO_VALUE = "–"

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


@dataclass(frozen=True)
class Measure:
    """A check-in field that is averaged: how to label and format it."""

    key: str
    label: object  # a lazy string
    hint: object
    decimals: int = 1


MEASURES = (
    Measure("mood", _l("Mood"), _l("1 very low, 5 very good")),
    Measure("tension", _l("Tension"), _l("1 none, 5 a lot")),
    Measure("energy", _l("Energy"), _l("1 exhausted, 5 full of energy")),
    Measure("bonding", _l("Bonding"), _l("1 not connected, 5 very connected")),
    Measure("sleep_hours", _l("Sleep"), _l("hours per night")),
    Measure("night_wakings", _l("Night wakings"), _l("times per night")),
    Measure("sleep_quality", _l("Sleep quality"), _l("1 very poor, 5 very good")),
    Measure("skin_to_skin_minutes", _l("Skin-to-skin"), _l("minutes per day"), decimals=0),
)
MEASURE_KEYS = tuple(measure.key for measure in MEASURES)
SCALE_CHART_KEYS = ("mood", "tension", "energy", "bonding")
SCALE_RANGE = (1, 5)
SLEEP_RANGE = (0, 12)


class PeriodError(ValueError):
    """A period that cannot be summarised; the message is for the person who chose it."""


@dataclass(frozen=True)
class Period:
    """Consecutive calendar days from start to end, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return the number of days in the period."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """Return the period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def dates(self) -> tuple[date, ...]:
        """Return every day of the period in order."""
        return tuple(self.start + timedelta(days=offset) for offset in range(self.days))


def last_days(days: int, today: date) -> Period:
    """Return the period of the last ``days`` days ending today."""
    return Period(today - timedelta(days=days - 1), today)


def checked_period(start: date, end: date, today: date) -> Period:
    """Return the chosen range as a period, or raise PeriodError saying what is wrong."""
    if start > end:
        raise PeriodError(_("The start date must be on or before the end date."))
    if end > today:
        raise PeriodError(_("The end date cannot be in the future."))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise PeriodError(_("Choose a period of at most %(days)d days.", days=MAX_RANGE_DAYS))
    return Period(start, end)


@dataclass(frozen=True)
class Average:
    """The average of one measure in the period, the period before and the change, as text."""

    key: str
    label: str
    hint: str
    value: Decimal | None
    previous: Decimal | None
    change: Decimal | None
    value_text: str
    previous_text: str
    change_text: str
    change_words: str
    days_logged: int


@dataclass(frozen=True)
class QuestionnaireLine:
    """One questionnaire filled in during the period, with its band in plain words."""

    instrument: str
    name: str
    short_name: str
    submitted_on: date
    submitted_text: str
    total: int
    max_total: int
    band_key: str
    # The headline: her words, or the staff's against the cut-off; an item-10 answer first.
    band_label: str
    band_meaning: str
    contact_practitioner: bool
    safety_answer: bool = False
    # Set when it was answered on placeholder or unvalidated wording.
    wording_note: str | None = None
    # Practitioner only: (label, value, maximum, note) per subscale such as EPDS-3A.
    subscales: tuple[tuple[str, int, int, str], ...] = ()


@dataclass(frozen=True)
class InstrumentSource:
    """Where an instrument comes from and the terms it is used under."""

    key: str
    name: str
    source: str
    licence: str
    # The practice's note on the licensed wording it installed for the reader's language.
    wording_licence: str | None = None


@dataclass(frozen=True)
class FlagLine:
    """One flag in full, for the practitioner's version."""

    rule: str
    rule_label: str
    level: str
    level_label: str
    raised_text: str
    # What raised it, in the same sentence as the client page ("Mood 2 or lower on ...").
    evidence: str
    status_text: str
    acknowledged_text: str | None
    acknowledged_by: str | None
    acknowledgement_note: str | None


@dataclass(frozen=True)
class FlagOverview:
    """Flags raised or acknowledged in the period; details only in the practitioner's version."""

    raised: int
    acknowledged: int
    still_open: int
    wording: tuple[str, ...]
    details: tuple[FlagLine, ...] = ()


@dataclass(frozen=True)
class ActivityCount:
    """An activity and the number of logged days it was done on."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class ModuleProgress:
    """An assigned guidance module and how many of its lessons are done."""

    module_id: int
    title: str
    lessons_done: int
    lessons_total: int
    done_in_period: int

    @property
    def is_done(self) -> bool:
        """Tell whether every lesson of the module is done."""
        return self.lessons_total > 0 and self.lessons_done >= self.lessons_total


@dataclass(frozen=True)
class NoteLine:
    """A practitioner's note: shared with the client, or private (practitioner's version)."""

    written_text: str
    author: str
    body: str
    shared: bool


@dataclass(frozen=True)
class Sender:
    """Who sends a referral summary: the practitioner, the practice and its phone number."""

    name: str
    practice: str
    phone: str


@dataclass(frozen=True)
class ProgressSummary:
    """Everything the progress page, the PDF and the practice header show, as plain data."""

    audience: str
    locale: str
    practice_name: str
    practice_logo: str | None  # a path under static/
    client_id: int
    client_name: str
    delivery_date: date | None
    delivery_date_text: str
    delivery_type_text: str
    weeks_postpartum: int | None
    period: Period
    period_text: str
    previous_period_text: str
    made_text: str
    days_logged: int
    is_sparse: bool
    averages: tuple[Average, ...]
    days: tuple[date, ...]
    series: Mapping[str, tuple[float | None, ...]]
    questionnaires: tuple[QuestionnaireLine, ...]
    instruments: tuple[InstrumentSource, ...]
    flags: FlagOverview
    activities: tuple[ActivityCount, ...]
    guidance: tuple[ModuleProgress, ...]
    notes: tuple[NoteLine, ...]
    # What seems to help her: from the period's check-ins, in no extra query.
    insights: InsightSection | None = None
    # The referral version only: identifiers a colleague needs, and who sends it.
    date_of_birth_text: str | None = None
    sender: Sender | None = None

    @property
    def is_practitioner_version(self) -> bool:
        """Tell whether this is the practitioner's version (private notes, flag detail)."""
        return self.audience == PRACTITIONER

    @property
    def is_referral_version(self) -> bool:
        """Tell whether this is the version for colleagues in her care team."""
        return self.audience == REFERRAL

    @property
    def is_clinical_version(self) -> bool:
        """Tell whether professionals read this version (flag detail, clinical wording)."""
        return self.audience in (PRACTITIONER, REFERRAL)

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing at all was logged in the period."""
        return self.days_logged == 0

    def latest_results(self) -> tuple[QuestionnaireLine, ...]:
        """Return the last result of each questionnaire filled in during the period."""
        latest = {line.instrument: line for line in self.questionnaires}
        return tuple(latest.values())

    def average(self, key: str) -> Average:
        """Return the average of one measure by its key."""
        for average in self.averages:
            if average.key == key:
                return average
        raise KeyError(key)


def build_summary(
    client: User,
    period_start: date,
    period_end: date,
    *,
    audience: str = CLIENT,
    locale: str = "nl",
    sender: User | None = None,
) -> ProgressSummary:
    """Build the progress summary of a client for a period, in a fixed number of queries.

    The referral version names the sender: ``sender``, else her own practitioner.
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
        checkins = _checkin_rows(client.id, period)
        current = [row for row in checkins if row.day >= period.start]
        previous = [row for row in checkins if row.day < period.start]
        delivery_date = profile.delivery_date if profile else None
        delivery_type = profile.delivery_type if profile else None
        questionnaires, instruments = _questionnaires(client.id, period, zone, locale, audience)
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
            flags=_flags(client.id, period, zone, locale, clinical, practitioner_version),
            activities=_activities(current),
            guidance=_guidance(client.id, period, zone, locale),
            notes=_notes(client.id, period, zone, locale, practitioner_version),
            insights=insight_section(checkin_days(current, MEASURE_KEYS), locale),
            **referral,
        )


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
        )
    return scale_chart, sleep_chart


# --- queries -----------------------------------------------------------------------------


def _checkin_rows(client_id: int, period: Period) -> list[sa.Row]:
    """Load the check-ins of the period and the period before it, in one query."""
    columns = [getattr(CheckIn, key) for key in MEASURE_KEYS]
    return list(
        db.session.execute(
            sa.select(CheckIn.day, *columns, CheckIn.activities)
            .where(
                CheckIn.client_id == client_id,
                CheckIn.day >= period.previous().start,
                CheckIn.day <= period.end,
            )
            .order_by(CheckIn.day)
        )
    )


def _utc_bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the UTC instants where the period's local days begin and end."""
    start = datetime.combine(period.start, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return start, end


def _questionnaires(
    client_id: int, period: Period, zone: ZoneInfo, locale: str, audience: str
) -> tuple[tuple[QuestionnaireLine, ...], tuple[InstrumentSource, ...]]:
    """Return the questionnaires filled in during the period and their sources."""
    start, end = _utc_bounds(period, zone)
    responses = db.session.scalars(
        sa.select(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.client_id == client_id,
            QuestionnaireResponse.submitted_at >= start,
            QuestionnaireResponse.submitted_at < end,
        )
        .order_by(QuestionnaireResponse.submitted_at, QuestionnaireResponse.id)
    ).all()
    instruments = _instruments({response.instrument for response in responses})
    lines = []
    for response in responses:
        instrument = instruments.get(response.instrument)
        if instrument is None:
            continue  # an instrument the portal no longer ships: nothing to explain it with
        band = next((b for b in instrument.bands if b.key == response.band), None)
        band = band or next((b for b in instrument.bands if b.covers(response.total)), None)
        if band is None:
            continue
        subscales = ()
        if audience in (PRACTITIONER, REFERRAL):
            subscales = tuple(
                (
                    subscale.label(locale),
                    int((response.subscales or {}).get(subscale.key, 0)),
                    subscale.max,
                    subscale.note(locale),
                )
                for subscale in instrument.subscales
                if subscale.key in (response.subscales or {})
            )
        submitted_on = response.submitted_at.astimezone(zone).date()
        safety = labels.has_safety_answer(instrument.key, response.item_scores, response.safety)
        if audience in (PRACTITIONER, REFERRAL):
            headline = labels.staff_headline(
                instrument.key,
                response.total,
                band.key,
                labels.item_10(instrument.key, response.item_scores),
                band.label(locale),
            )
        else:
            headline = labels.client_headline(instrument.key, band.key, safety, band.label(locale))
        meaning = band.meaning(locale)
        if safety:
            # Under an item-10 answer, "few signs" would say the opposite of the headline.
            meaning = labels.safety_meaning() + (f" {meaning}" if band.level > 0 else "")
        if audience == REFERRAL:
            # A colleague reads the band in clinical words, with its source.
            wording = CLINICAL_BAND_WORDING.get((instrument.key, band.key))
            clinical = str(wording) if wording is not None else band.label(locale)
            meaning = (labels.safety_meaning() + " " + clinical) if safety else clinical
        lines.append(
            QuestionnaireLine(
                instrument=instrument.key,
                name=instrument.name,
                short_name=_short_name(instrument.name, instrument.key),
                submitted_on=submitted_on,
                submitted_text=_date_text(submitted_on, locale, "medium"),
                total=response.total,
                max_total=instrument.max_total,
                band_key=band.key,
                band_label=headline,
                band_meaning=meaning,
                contact_practitioner=band.contact_practitioner or safety,
                subscales=subscales,
                safety_answer=safety,
                wording_note=labels.wording_note(
                    response.wording,
                    response.wording_validated,
                    staff=audience in (PRACTITIONER, REFERRAL),
                ),
            )
        )
    used = dict.fromkeys(line.instrument for line in lines)
    sources = tuple(
        InstrumentSource(
            key=key,
            name=instruments[key].name,
            source=instruments[key].source,
            licence=instruments[key].licence,
            wording_licence=instruments[key].text_licence(locale),
        )
        for key in used
    )
    return tuple(lines), sources


def _instruments(keys: set[str]) -> dict[str, Instrument]:
    """Load the instruments with the practice's installed licensed wording.

    The installed texts are read even when no questionnaire was filled in, so that a page
    runs the same number of queries whatever the record holds.
    """
    overrides: dict[str, dict[str, dict]] = {}
    for text in db.session.scalars(sa.select(InstrumentText)):
        overrides.setdefault(text.instrument, {})[text.locale] = text.definition
    instruments = {}
    for key in sorted(keys):
        try:
            instruments[key] = load_instrument(key, overrides.get(key))
        except KeyError:
            continue
        except InvalidDefinition:
            # A broken installed text must not stop the summary; the shipped one explains it.
            current_app.logger.warning("installed wording of %s is invalid; using the shipped", key)
            instruments[key] = load_instrument(key)
    return instruments


def _flags(
    client_id: int,
    period: Period,
    zone: ZoneInfo,
    locale: str,
    clinical: bool,
    practitioner_version: bool,
) -> FlagOverview:
    """Summarise the flags raised or acknowledged in the period."""
    start, end = _utc_bounds(period, zone)
    raised_in = sa.and_(Flag.raised_at >= start, Flag.raised_at < end)
    acknowledged_in = sa.and_(Flag.acknowledged_at >= start, Flag.acknowledged_at < end)
    flags = db.session.scalars(
        sa.select(Flag)
        .options(joinedload(Flag.acknowledged_by))
        .where(Flag.client_id == client_id, sa.or_(raised_in, acknowledged_in))
        .order_by(Flag.raised_at, Flag.id)
    ).all()
    raised = sum(1 for flag in flags if start <= flag.raised_at < end)
    acknowledged = sum(
        1 for flag in flags if flag.acknowledged_at and start <= flag.acknowledged_at < end
    )
    still_open = sum(1 for flag in flags if flag.is_open)
    wording = []
    if acknowledged:
        wording.append(
            ngettext(
                "%(num)d signal was discussed with your practitioner.",
                "%(num)d signals were discussed with your practitioner.",
                acknowledged,
            )
        )
    if still_open:
        wording.append(
            ngettext(
                "Your practitioner has been told about %(num)d signal and will look at it.",
                "Your practitioner has been told about %(num)d signals and will look at them.",
                still_open,
            )
        )
    if not clinical:
        return FlagOverview(raised, acknowledged, still_open, tuple(wording))
    details = tuple(
        _flag_line(flag, zone, locale, with_note=practitioner_version) for flag in flags
    )
    return FlagOverview(raised, acknowledged, still_open, tuple(wording), details)


def _flag_line(flag: Flag, zone: ZoneInfo, locale: str, *, with_note: bool) -> FlagLine:
    """Describe one flag with its evidence and handling; its note only if with_note."""
    if flag.acknowledged_at is not None:
        status = _("Acknowledged")
    elif flag.cleared_at is not None:
        status = _("Cleared")
    else:
        status = _("Open")
    return FlagLine(
        rule=flag.rule,
        rule_label=labels.rule_label(flag.rule, flag.level),
        level=flag.level,
        level_label=str(LEVEL_LABELS.get(flag.level, flag.level)),
        raised_text=_moment_text(flag.raised_at, zone, locale),
        evidence=labels.evidence_in_words(flag),
        status_text=status,
        acknowledged_text=(
            _moment_text(flag.acknowledged_at, zone, locale) if flag.acknowledged_at else None
        ),
        acknowledged_by=flag.acknowledged_by.full_name if flag.acknowledged_by else None,
        acknowledgement_note=flag.acknowledgement_note if with_note else None,
    )


def _short_name(name: str, key: str) -> str:
    """Return the abbreviation an instrument's name ends with, e.g. "GAD-7"."""
    match = re.search(r"\(([^()]+)\)\s*$", name)
    return match.group(1) if match else key.upper()


def _guidance(
    client_id: int, period: Period, zone: ZoneInfo, locale: str
) -> tuple[ModuleProgress, ...]:
    """Return the assigned modules with lessons done by the end of the period."""
    start, end = _utc_bounds(period, zone)
    assigned = (
        sa.select(Assignment.module_id)
        .join(Module, Module.id == Assignment.module_id)
        .where(
            Assignment.client_id == client_id,
            Assignment.assigned_at < end,
            Module.published.is_(True),
        )
    )
    titles: dict[int, dict[str, str]] = {}
    positions: dict[int, tuple[int, int]] = {}
    for module_id, position, text_locale, title in db.session.execute(
        sa.select(Module.id, Module.position, ModuleText.locale, ModuleText.title)
        .outerjoin(ModuleText, ModuleText.module_id == Module.id)
        .where(Module.id.in_(assigned))
    ):
        positions[module_id] = (position, module_id)
        if text_locale is not None:
            titles.setdefault(module_id, {})[text_locale] = title
    done_by_end = sa.and_(LessonProgress.id.is_not(None), LessonProgress.completed_at < end)
    done_in_period = sa.and_(done_by_end, LessonProgress.completed_at >= start)
    counts = {
        module_id: (total, done or 0, in_period or 0)
        for module_id, total, done, in_period in db.session.execute(
            sa.select(
                Lesson.module_id,
                sa.func.count(Lesson.id),
                sa.func.sum(sa.case((done_by_end, 1), else_=0)),
                sa.func.sum(sa.case((done_in_period, 1), else_=0)),
            )
            .outerjoin(
                LessonProgress,
                sa.and_(
                    LessonProgress.lesson_id == Lesson.id, LessonProgress.client_id == client_id
                ),
            )
            .where(Lesson.module_id.in_(assigned), Lesson.published.is_(True))
            .group_by(Lesson.module_id)
        )
    }
    modules = []
    for module_id in sorted(positions, key=positions.get):
        total, done, in_period = counts.get(module_id, (0, 0, 0))
        title = _pick_text(titles.get(module_id, {}), locale)
        modules.append(
            ModuleProgress(
                module_id=module_id,
                title=title or _("Module %(id)d", id=module_id),
                lessons_done=int(done),
                lessons_total=int(total),
                done_in_period=int(in_period),
            )
        )
    return tuple(modules)


def _notes(
    client_id: int, period: Period, zone: ZoneInfo, locale: str, practitioner_version: bool
) -> tuple[NoteLine, ...]:
    """Return the period's notes: shared ones, and private ones for the practitioner."""
    start, end = _utc_bounds(period, zone)
    query = (
        sa.select(Note)
        .options(joinedload(Note.author))
        .where(
            Note.client_id == client_id,
            Note.withdrawn_at.is_(None),
            Note.created_at >= start,
            Note.created_at < end,
        )
        .order_by(Note.created_at, Note.id)
    )
    if not practitioner_version:
        query = query.where(Note.shared.is_(True))
    return tuple(
        NoteLine(
            written_text=_moment_text(note.created_at, zone, locale),
            author=note.author.full_name if note.author else _("Your practitioner"),
            body=note.body,
            shared=note.shared,
        )
        for note in db.session.scalars(query)
    )


# --- pure helpers ------------------------------------------------------------------------


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
