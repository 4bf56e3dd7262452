"""The progress summary's database reads: one fixed set of queries, each giving one part.

Each function reads one kind of record for a client and a period (check-ins, questionnaires,
flags, guidance, notes) and returns its part of the summary as the frozen dataclasses of
``summary_types``, worded with ``summary_format``; none runs a query per row.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import joinedload

from portal import labels
from portal.extensions import db
from portal.models import (
    Assignment,
    CheckIn,
    Flag,
    InstrumentText,
    Lesson,
    LessonProgress,
    Module,
    ModuleText,
    Note,
    QuestionnaireResponse,
)
from portal.questionnaires.instruments import Instrument, InvalidDefinition, load_instrument
from portal.reports import referral_wording
from portal.reports.summary_format import (
    CLINICAL_BAND_WORDING,
    _date_text,
    _moment_text,
    _pick_text,
    _short_name,
)
from portal.reports.summary_types import (
    MEASURE_KEYS,
    PRACTITIONER,
    REFERRAL,
    FlagLine,
    FlagOverview,
    InstrumentSource,
    ModuleProgress,
    NoteLine,
    Period,
    QuestionnaireLine,
)
from portal.templating import LEVEL_LABELS


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
            item_10 = labels.item_10(instrument.key, response.item_scores) or 0
            meaning = (
                f"{referral_wording.item10_meaning(item_10)} {clinical}" if safety else clinical
            )
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
    # Her words ("your practitioner") are for her version only.
    if acknowledged and not clinical:
        wording.append(
            ngettext(
                "%(num)d signal was discussed with your practitioner.",
                "%(num)d signals were discussed with your practitioner.",
                acknowledged,
            )
        )
    if still_open and not clinical:
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
    client_id: int,
    period: Period,
    zone: ZoneInfo,
    locale: str,
    practitioner_version: bool,
    clinical: bool = False,
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
            author=(
                note.author.full_name
                if note.author
                else (_("a former practitioner") if clinical else _("Your practitioner"))
            ),
            body=note.body,
            shared=note.shared,
        )
        for note in db.session.scalars(query)
    )
