"""Page 1 of the referral summary: what a colleague must read before anything else.

Top to bottom: the sender's reason for sharing; the current risk (every EPDS item-10 answer in
the period with its date and answer, and her open urgent and high flags with their age); the
latest EPDS and GAD-7 with their band, reliable change and whole-history trend; what the
practice did (handled flags with their acknowledgement note, calls with their outcome); and how
to reach her and the sender. It is a part of the one ``ProgressSummary`` (its ``front``), read in
a fixed number of queries, worded by ``referral_wording`` in the clinical third person.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal import charts, labels
from portal import flags as flag_rules
from portal.careteam import phones
from portal.careteam.forms import OUTCOME_LABELS
from portal.extensions import db
from portal.i18n import date_locale
from portal.models import ClientProfile, ContactAttempt, Flag, QuestionnaireResponse
from portal.questionnaires.instruments import Instrument, load_instrument
from portal.questionnaires.trends import change_between
from portal.reports import referral_wording as words
from portal.reports.summary_format import CLINICAL_BAND_WORDING, _date_text, _moment_text
from portal.reports.summary_queries import _instruments, _utc_bounds
from portal.reports.summary_types import (
    HandlingLine,
    Period,
    ProgressSummary,
    ReachLine,
    ReferralFront,
    RiskItem,
    ScoreCard,
    Sender,
)
from portal.templating import LEVEL_LABELS

SCORED = ("epds", "gad7")
RISK_LEVELS = ("urgent", "high")
# Page 1 holds at most this many lines of handling; the flags section lists them all.
HANDLED_ON_FRONT = 3


def referral_front(
    client_id: int,
    profile: ClientProfile | None,
    period: Period,
    zone: ZoneInfo,
    locale: str,
    *,
    sender: Sender | None,
    reason: str | None = None,
    include_contact: bool = True,
    now: datetime | None = None,
) -> ReferralFront:
    """Build the referral's first page for a client and a period, in four queries."""
    now = now or datetime.now(UTC)
    start, end = _utc_bounds(period, zone)
    responses = db.session.scalars(
        sa.select(QuestionnaireResponse)
        .where(
            QuestionnaireResponse.client_id == client_id,
            QuestionnaireResponse.instrument.in_(SCORED),
            QuestionnaireResponse.submitted_at < end,
        )
        .order_by(QuestionnaireResponse.submitted_at, QuestionnaireResponse.id)
    ).all()
    instruments = _instruments(set(SCORED))
    flags = db.session.scalars(
        sa.select(Flag)
        .options(joinedload(Flag.acknowledged_by))
        .where(
            Flag.client_id == client_id,
            sa.or_(
                sa.and_(
                    Flag.acknowledged_at.is_(None),
                    Flag.cleared_at.is_(None),
                    Flag.level.in_(RISK_LEVELS),
                ),
                sa.and_(Flag.acknowledged_at >= start, Flag.acknowledged_at < end),
            ),
        )
        .order_by(Flag.level_rank, Flag.raised_at, Flag.id)
    ).all()
    calls = db.session.scalars(
        sa.select(ContactAttempt)
        .options(joinedload(ContactAttempt.flag), joinedload(ContactAttempt.caller))
        .where(
            ContactAttempt.client_id == client_id,
            ContactAttempt.at >= start,
            ContactAttempt.at < end,
        )
        .order_by(ContactAttempt.at, ContactAttempt.id)
    ).all()
    in_period = [r for r in responses if r.submitted_at >= start]
    return ReferralFront(
        reason=reason or None,
        risks=_risks(in_period, flags, instruments, zone, locale, now),
        scores=tuple(
            card
            for key in SCORED
            if key in instruments
            and (card := _score_card(key, responses, start, instruments[key], zone, locale))
        ),
        handled=_handled(flags, calls, start, end, zone, locale),
        reach=_reach(profile, sender, include_contact),
    )


def front_charts(summary: ProgressSummary, *, width: int = 360,
                 height: int = 220) -> dict[str, charts.Chart]:
    """Draw a small trend of each latest score over her whole history, with its band lines."""
    front = summary.front
    if front is None:
        return {}
    drawn = {}
    with force_locale(summary.locale):
        for card in front.scores:
            if len(card.history_days) < 2:
                continue
            try:
                instrument = load_instrument(card.instrument)
            except KeyError:
                continue
            drawn[card.instrument] = charts.score_chart(
                _("%(name)s total over time", name=card.short_name),
                card.history_days,
                card.history_totals,
                boundaries=[band.min for band in instrument.bands if band.min > 0],
                max_total=card.max_total,
                summary=card.history_text,
                total_label=_("Total"),
                boundary_label=_("Band boundaries"),
                width=width,
                height=height,
                day_label=lambda day: format_date(day, "d MMM",
                                                  locale=date_locale(summary.locale)),
            )
    return drawn


def _item10_answer(instrument: Instrument, score: int, locale: str) -> str:
    """Return the answer text of an item-10 score in the reader's language."""
    item = instrument.items[flag_rules.EPDS_SAFETY_ITEM_INDEX]
    try:
        return item.option_labels(locale)[item.scores.index(score)]
    except (ValueError, IndexError):
        return str(score)


def _risks(responses, flags, instruments, zone, locale, now) -> tuple[RiskItem, ...]:
    risks = []
    epds = instruments.get("epds")
    for response in responses:
        score = labels.item_10(response.instrument, response.item_scores)
        if epds is None or score is None or score < 1:
            continue
        day = response.submitted_at.astimezone(zone).date()
        risks.append(RiskItem(
            "item10",
            words.item10_risk(_date_text(day, locale), _item10_answer(epds, score, locale),
                              score),
            "urgent",
        ))
    for flag in flags:
        if not flag.is_open or flag.level not in RISK_LEVELS:
            continue
        risks.append(RiskItem(
            "flag",
            words.open_flag_risk(
                str(LEVEL_LABELS.get(flag.level, flag.level)).lower(),
                labels.rule_label(flag.rule, flag.level),
                _moment_text(flag.raised_at, zone, locale),
                words.age_text(now - flag.raised_at, locale),
            ),
            flag.level,
        ))
    return tuple(risks)


def _score_card(key, responses, start, instrument, zone, locale) -> ScoreCard | None:
    """Describe the latest score of one questionnaire against the one before and the first."""
    mine = [r for r in responses if r.instrument == key]
    if not mine:
        return None
    latest = mine[-1]

    def day(response):
        return response.submitted_at.astimezone(zone).date()

    since_previous = since_first = None
    if len(mine) > 1:
        previous = mine[-2]
        since_previous = words.change_text(
            key, change_between(key, previous.total, latest.total), "previous",
            _date_text(day(previous), locale, "medium"))
    first_in_period = next((r for r in mine if r.submitted_at >= start), None)
    if first_in_period is not None and first_in_period is not latest and (
        len(mine) < 2 or first_in_period is not mine[-2]
    ):
        since_first = words.change_text(
            key, change_between(key, first_in_period.total, latest.total), "first",
            _date_text(day(first_in_period), locale, "medium"))
    band = CLINICAL_BAND_WORDING.get((key, latest.band))
    band_text = str(band) if band is not None else labels.staff_band_label(key, latest.band)
    item10_note = None
    latest_item10 = labels.item_10(key, latest.item_scores)
    if latest_item10:
        item10_note = words.item10_in_response(latest_item10)
    else:
        earlier = [r for r in mine[:-1]
                   if r.submitted_at >= start and labels.item_10(key, r.item_scores)]
        if earlier:
            item10_note = words.item10_earlier(_date_text(day(earlier[-1]), locale, "medium"))
    history = tuple((_date_text(day(r), locale, "short"), int(r.total)) for r in mine)
    return ScoreCard(
        instrument=key,
        short_name=labels.short_name(key),
        submitted_text=_date_text(day(latest), locale),
        total=int(latest.total),
        max_total=instrument.max_total,
        band_text=band_text,
        source=words.SHORT_SOURCES.get(key, instrument.source),
        since_previous=since_previous,
        since_first=since_first,
        history=history,
        history_text=" · ".join(f"{when}: {total}" for when, total in history),
        history_days=tuple(day(r) for r in mine),
        history_totals=tuple(int(r.total) for r in mine),
        wording_note=labels.wording_note(latest.wording, latest.wording_validated, staff=True),
        item10_note=item10_note,
    )


def _handled(flags, calls, start, end, zone, locale) -> tuple[HandlingLine, ...]:
    lines = []
    for flag in flags:
        if flag.acknowledged_at is None or not start <= flag.acknowledged_at < end:
            continue
        lines.append((flag.acknowledged_at, HandlingLine(
            _moment_text(flag.acknowledged_at, zone, locale),
            words.handled_flag(
                labels.rule_label(flag.rule, flag.level),
                str(LEVEL_LABELS.get(flag.level, flag.level)),
                _moment_text(flag.raised_at, zone, locale),
                flag.acknowledged_by.full_name if flag.acknowledged_by else None,
            ),
            flag.acknowledgement_note or None,
        )))
    for call in calls:
        lines.append((call.at, HandlingLine(
            _moment_text(call.at, zone, locale),
            words.call_line(
                call.callee,
                call.caller.full_name if call.caller else None,
                labels.rule_label(call.flag.rule, call.flag.level) if call.flag else "",
                str(OUTCOME_LABELS.get(call.outcome, call.outcome)),
            ),
        )))
    lines.sort(key=lambda pair: pair[0], reverse=True)
    return tuple(line for _at, line in lines[:HANDLED_ON_FRONT])


def _reach(profile, sender, include_contact) -> tuple[ReachLine, ...]:
    reach = []
    if not include_contact:
        reach.append(ReachLine(_("Client"), _("Her phone number is not part of this share.")))
    elif profile is not None:
        reach.append(ReachLine(
            _("Client"),
            phones.display(profile.phone) or _("no phone number recorded"),
            profile.phone,
        ))
        if profile.emergency_contact_name or profile.emergency_contact_phone:
            name = profile.emergency_contact_name or ""
            if profile.emergency_contact_relation:
                name = f"{name} ({profile.emergency_contact_relation})".strip()
            shown = phones.display(profile.emergency_contact_phone)
            reach.append(ReachLine(
                _("Emergency contact"),
                f"{name}, {shown}" if name and shown else (name or shown),
                profile.emergency_contact_phone,
            ))
        else:
            reach.append(ReachLine(_("Emergency contact"), _("none recorded")))
    if sender is not None:
        reach.append(ReachLine(
            _("Sender"), f"{sender.name}, {sender.practice}, {sender.phone}", None))
    return tuple(reach)
