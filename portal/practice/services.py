"""The practice's work: the dashboard, the client page, flags, notes, phone consults, access log.

Services add to the session and flush; the view commits once. Every change writes its
AuditEvent here, beside the change, so no caller can forget it; details never hold health data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_decimal, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit, labels
from portal.charts import (
    Chart,
    Series,
    SparkShape,
    line_chart,
    spark_shape,
    trend_summary,
    trend_words,
)
from portal.checkins.services import save_checkin
from portal.dates import weeks_postpartum
from portal.extensions import db
from portal.guidance.services import progress_for
from portal.i18n import format_day
from portal.models import AuditEvent, CheckIn, Flag, Note, NoteRevision, QuestionnaireResponse, User
from portal.practice import queries
from portal.practice.score_trends import ScoreTrend, score_trends
from portal.questionnaires.instruments import load_instrument
from portal.reports.summary import ProgressSummary, summary_for_header
from portal.templating import LEVEL_LABELS, ROLE_LABELS

# The actor role of a share-link recipient in the access log (portal.careteam.sharing).
SHARE_RECIPIENT_ROLE = "share_recipient"

# Plain-language names of access-log actions, for the admin's log and a client's own log.
ACTION_LABELS = {
    # The practice's own reads and changes of a client record.
    "client_record_viewed": _l("Looked at the client record"),
    "flag_acknowledged": _l("Acknowledged a flag"),
    "note_created": _l("Wrote a note"),
    "note_edited": _l("Changed a note"),
    "note_withdrawn": _l("Withdrew a note"),
    "checkin_entered_for_client": _l("Recorded a check-in during a phone consult"),
    "questionnaire_entered_for_client": _l("Recorded a questionnaire during a phone consult"),
    "summary_downloaded": _l("Downloaded the progress summary"),
    "message_sent": _l("Sent a message"),
    "message_withdrawn": _l("Withdrew a message"),
    "message_thread_viewed": _l("Read the messages"),
    "message_thread_handled": _l("Marked the messages as handled"),
    "message_thread_covered": _l("Read the messages while covering for the practitioner"),
    "contact_details_changed": _l("Changed the contact details"),
    "contact_details_viewed": _l("Looked at the contact details"),
    "care_team_member_added": _l("Added someone to the care team"),
    "care_team_member_removed": _l("Removed someone from the care team"),
    "contact_attempt_recorded": _l("Logged a call about a flag"),
    "summary_shared": _l("Shared the summary through a link"),
    "fhir_exported": _l("Downloaded the data in FHIR format"),
    "share_opened": _l("Opened the summary shared through a link"),
    "share_revoked": _l("Revoked a share link"),
    "appointments_viewed": _l("Looked at the appointments"),
    "appointment_booked": _l("Booked an appointment"),
    "appointment_moved": _l("Moved an appointment"),
    "appointment_cancelled": _l("Cancelled an appointment"),
    "calendar_feed_renewed": _l("Made a new calendar feed address"),
    "calendar_feed_revoked": _l("Switched the calendar feed off"),
    "progress_viewed": _l("Looked at the progress page"),
    "guidance_progress_viewed": _l("Looked at the guidance progress"),
    "guidance_module_assigned": _l("Assigned a guidance module"),
    "guidance_assignment_updated": _l("Changed a guidance assignment"),
    "guidance_lesson_done": _l("Marked a lesson as done"),
    "guidance_recommendation_dismissed": _l("Dismissed a suggested module"),
    # The client's own account and data.
    "checkin_saved": _l("Saved a check-in"),
    "own_account_viewed": _l("Looked at her own account"),
    "own_history_viewed": _l("Looked at her own history"),
    "own_messages_viewed": _l("Read her messages"),
    "data_exported": _l("Exported the data"),
    "consent_given": _l("Gave consent"),
    "consent_withdrawn": _l("Withdrew consent"),
    "erasure_requested": _l("Asked for the data to be erased"),
    "erasure_declined": _l("Declined an erasure request"),
    "account_erased": _l("Erased an account"),
    "retention_reviewed": _l("Reviewed how long data is kept"),
    # Signing in and accounts.
    "login": _l("Signed in"),
    "login_password_ok": _l("Entered the right password (second step pending)"),
    "login_failed": _l("Failed to sign in"),
    "login_code_failed": _l("Entered a wrong sign-in code"),
    "logout": _l("Signed out"),
    "session_revoked": _l("Signed out a device"),
    "sessions_revoked": _l("Signed out on every device"),
    "password_reset": _l("Reset the password"),
    "password_changed": _l("Changed the password"),
    "email_change_requested": _l("Asked to change the e-mail address"),
    "email_changed": _l("Changed the e-mail address"),
    "two_factor_enabled": _l("Turned on two-step sign-in"),
    "two_factor_disabled": _l("Turned off two-step sign-in"),
    "two_factor_reset": _l("Reset someone's two-step sign-in"),
    "recovery_codes_renewed": _l("Made new recovery codes"),
    "invitation_sent": _l("Sent an invitation"),
    "invitation_resent": _l("Sent an invitation again"),
    "invitation_revoked": _l("Cancelled an invitation"),
    "invitation_accepted": _l("Accepted an invitation"),
    "practitioner_assigned": _l("Assigned a practitioner"),
    "account_activated": _l("Activated an account"),
    "account_deactivated": _l("Deactivated an account"),
    # Running the practice.
    "guidance_module_created": _l("Added a guidance module"),
    "guidance_module_moved": _l("Moved a guidance module"),
    "guidance_module_text_edited": _l("Edited a guidance module"),
    "guidance_module_published": _l("Published a guidance module"),
    "guidance_module_unpublished": _l("Withdrew a guidance module from use"),
    "guidance_lesson_text_edited": _l("Edited a lesson"),
    "guidance_lesson_created": _l("Added a lesson"),
    "guidance_lesson_moved": _l("Moved a lesson"),
    "instrument_installed": _l("Installed questionnaire wording"),
    "urgent_protocol_changed": _l("Changed the protocol for urgent flags"),
    "access_log_viewed": _l("Looked at the access log"),
    "urgent_flags_viewed": _l("Looked at the list of urgent flags"),
    "access_log_exported": _l("Downloaded the access log"),
    "authorisation_denied": _l("Was refused a page"),
}

SCALE_RANGE = (1, 5)
SLEEP_RANGE_MIN_TOP = 12


def action_label(action: str) -> str:
    """Return an access-log action in plain words (unknown ones readable as they are)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action.replace("_", " ").capitalize()


def _locale() -> str:
    return str(get_locale() or "nl")


def _number(value: float) -> str:
    return format_decimal(value, "0.0")


def format_hours(value: float) -> str:
    """Format hours in the reader's locale, up to quarter hours (5.75, 7)."""
    return format_decimal(value, "0.##")


@dataclass(frozen=True)
class FlagBadge:
    """An open flag as the dashboard shows it: level and rule in words, later scores beside it."""

    level: str
    level_label: str
    rule_label: str
    raised_at: datetime
    since: str | None = None


SPARKLINE_MEASURES = ("mood", "sleep", "bonding")


@dataclass(frozen=True)
class Sparkline:
    """A 14-day sparkline: its text alternative and its geometry (None: nothing logged).

    The page draws it as inline SVG from the check-ins it already loaded, so the dashboard is
    complete in one request (as separate images, 25 rows took 1.7-3.6 s more to finish).
    """

    label: str
    alt: str | None
    shape: SparkShape | None
    short_label: str = ""


@dataclass(frozen=True)
class ScoreView:
    """A questionnaire total with its band in staff wording ("EPDS 14 – above the cut-off")."""

    total: int
    band_label: str
    band_level: int
    safety: bool
    submitted_at: datetime
    # The whole score in words, led by an item-10 answer when there is one.
    text: str = ""
    # Set when it was answered on placeholder or unvalidated wording.
    wording_note: str | None = None


@dataclass(frozen=True)
class DashboardRow:
    client_id: int
    name: str
    weeks_postpartum: int | None
    delivery_type: str | None
    days_since_checkin: int | None
    sparklines: list[Sparkline]
    epds: ScoreView | None
    flags: list[FlagBadge]
    last_checkin_by_practitioner: bool = False


@dataclass(frozen=True)
class Dashboard:
    rows: list[DashboardRow]
    total: int
    page: int
    pages: int
    per_page: int


def _band_views(instrument_key: str) -> dict:
    return {band.key: band for band in load_instrument(instrument_key).bands}


def _score_view(score, bands: dict, locale: str) -> ScoreView:
    band = bands.get(score.band)
    fallback = band.label(locale) if band else score.band
    return ScoreView(
        total=score.total,
        band_label=labels.staff_band_label(score.instrument, score.band, fallback),
        band_level=band.level if band else 0,
        safety=score.safety,
        submitted_at=score.submitted_at,
        text=labels.staff_headline(
            score.instrument, score.total, score.band, score.item_10, fallback
        ),
        wording_note=labels.wording_note(score.wording, score.wording_validated),
    )


def _sleep_range(values: Sequence[float | None]) -> tuple[float, float]:
    logged = [value for value in values if value is not None]
    return (0, max([SLEEP_RANGE_MIN_TOP, *logged]))


class _PageTexts:
    """Translations and number format looked up once per page, not once per row.

    A dashboard draws up to 150 sparklines, each with a translated trend sentence; looking the
    catalogue and the locale up for each would cost more than the SQL of the whole page.
    """

    def __init__(self) -> None:
        self.translations = get_translations()
        symbols = get_locale().number_symbols
        # Babel 2.14 keys the symbols by numbering system; older releases do not.
        self.decimal = symbols.get("latn", symbols).get("decimal", ".")
        self.series_labels = (
            _("Mood, last 14 days"),
            _("Sleep, last 14 days"),
            _("Bonding, last 14 days"),
        )
        self.short_labels = (_("Mood"), _("Sleep"), _("Bonding"))
        self.levels = {level: str(label) for level, label in LEVEL_LABELS.items()}
        self.limits = labels.configured_thresholds()
        self._rules: dict[tuple[str, str], str] = {}

    def rule(self, rule: str, level: str) -> str:
        """Return a rule's label for this page, worded once per rule and level."""
        key = (rule, level)
        if key not in self._rules:
            self._rules[key] = labels.rule_label(rule, level, self.limits)
        return self._rules[key]

    def gettext(self, message: str, **variables) -> str:
        """Translate like flask-babel's gettext, with the catalogue already in hand."""
        text = self.translations.ugettext(message)
        return text % variables if variables else text

    def number(self, value: float) -> str:
        """Format a number with one decimal in the page's locale."""
        return f"{value:.1f}".replace(".", self.decimal)


def _sparkline_series(values_by_day: dict, today: date):
    days = [today - timedelta(days=offset) for offset in range(queries.SPARKLINE_DAYS - 1, -1, -1)]
    logged = [values_by_day.get(day) for day in days]
    mood = [v.mood if v else None for v in logged]
    sleep = [v.sleep_hours if v else None for v in logged]
    bonding = [v.bonding if v else None for v in logged]
    return {
        "mood": (mood, SCALE_RANGE),
        "sleep": (sleep, _sleep_range(sleep)),
        "bonding": (bonding, SCALE_RANGE),
    }


def _version(values: Sequence[float | None]) -> str:
    """Return a short fingerprint of the values, so a drawing's address changes with its data."""
    return hashlib.sha256(repr(list(values)).encode()).hexdigest()[:12]


def client_sparklines(
    values_by_day: dict, today: date, texts: _PageTexts | None = None
) -> list[Sparkline]:
    """Describe the 14-day mood, sleep and bonding sparklines of one client."""
    texts = texts or _PageTexts()
    series = _sparkline_series(values_by_day, today)
    sparklines = []
    for measure, label, short in zip(
        SPARKLINE_MEASURES, texts.series_labels, texts.short_labels, strict=True
    ):
        values, y_range = series[measure]
        if all(value is None for value in values):
            sparklines.append(Sparkline(label, None, None, short))
            continue
        words = trend_words(values, gettext=texts.gettext, format_number=texts.number)
        shape = spark_shape(values, y_range=y_range)
        sparklines.append(Sparkline(label, f"{label}: {words}", shape, short))
    return sparklines


def build_dashboard(
    practitioner: User, filters: queries.DashboardFilters, today: date
) -> Dashboard:
    """Gather one page of the practitioner's dashboard in a fixed number of queries."""
    page = queries.client_list_page(practitioner.id, today, filters)
    client_ids = [row.client_id for row in page.rows]
    open_flags = queries.open_flags_by_client(client_ids)
    recent = queries.recent_checkins_by_client(client_ids, today)
    latest = queries.latest_scores_by_client(client_ids)
    bands = _band_views("epds")
    locale = _locale()
    texts = _PageTexts()
    rows = []
    for row in page.rows:
        rows.append(
            DashboardRow(
                client_id=row.client_id,
                name=row.full_name,
                weeks_postpartum=weeks_postpartum(row.delivery_date, today),
                delivery_type=row.delivery_type,
                days_since_checkin=(today - row.last_checkin).days if row.last_checkin else None,
                last_checkin_by_practitioner=row.last_checkin_by_practitioner,
                sparklines=client_sparklines(recent.get(row.client_id, {}), today, texts),
                epds=_score_view(latest[row.client_id]["epds"], bands, locale)
                if "epds" in latest.get(row.client_id, {})
                else None,
                flags=[
                    FlagBadge(
                        level=flag.level,
                        level_label=texts.levels.get(flag.level, flag.level),
                        rule_label=texts.rule(flag.rule, flag.level),
                        raised_at=flag.raised_at,
                        since=labels.later_scores_in_words(
                            flag,
                            labels.later_scores(
                                flag,
                                map(labels.as_later_score, latest.get(row.client_id, {}).values()),
                            ),
                        ),
                    )
                    for flag in open_flags.get(row.client_id, [])
                ],
            )
        )
    return Dashboard(
        rows=rows, total=page.total, page=page.page, pages=page.pages, per_page=page.per_page
    )


# The client page.


@dataclass(frozen=True)
class ResponseView:
    """A questionnaire response with its band in words and the safety item picked out."""

    response: QuestionnaireResponse
    instrument_name: str
    score: ScoreView
    item_10: int | None
    safety_answer: bool
    subscales: list[tuple[str, int, int]]

    @property
    def item_10_text(self) -> str:
        """Return the safety item's score in words."""
        return labels.item_10_text(self.item_10) if self.item_10 is not None else ""


@dataclass(frozen=True)
class FlagView:
    flag: Flag
    level_label: str
    rule_label: str
    evidence: str
    since: str | None = None


@dataclass
class ClientRecord:
    """Everything the practitioner's client page shows."""

    client: User
    today: date
    days: int
    first_day: date
    weeks_postpartum: int | None
    charts: list[ChartLink]
    checkins: list[CheckIn]
    responses: list[ResponseView]
    open_flags: list[FlagView]
    closed_flags: list[FlagView]
    notes: list[Note]
    # The reports' summary of the same period (averages, PDF links) and guidance progress.
    summary: ProgressSummary | None = None
    guidance_progress: list[dict] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    # EPDS and GAD-7 over time with reliable change, and their items across administrations.
    score_trends: list[ScoreTrend] = field(default_factory=list)


def _response_view(response: QuestionnaireResponse, locale: str) -> ResponseView:
    try:
        instrument = load_instrument(response.instrument)
    except KeyError:
        instrument = None
    band = None
    if instrument is not None:
        band = next((b for b in instrument.bands if b.key == response.band), None)
    fallback = band.label(locale) if band else response.band
    score = ScoreView(
        total=response.total,
        band_label=labels.staff_band_label(response.instrument, response.band, fallback),
        band_level=band.level if band else 0,
        safety=response.safety,
        submitted_at=response.submitted_at,
        text=labels.staff_score_text(
            response.instrument, response.total, response.band, fallback
        ),
        wording_note=labels.wording_note(response.wording, response.wording_validated),
    )
    item_10 = labels.item_10(response.instrument, response.item_scores)
    subscales = []
    if instrument is not None:
        for subscale in instrument.subscales:
            if subscale.key in (response.subscales or {}):
                subscales.append(
                    (subscale.label(locale), response.subscales[subscale.key], subscale.max)
                )
    return ResponseView(
        response=response,
        instrument_name=instrument.name if instrument else response.instrument,
        score=score,
        item_10=item_10,
        safety_answer=item_10 is not None and item_10 >= 1,
        subscales=subscales,
    )


def _flag_view(flag: Flag, responses: Sequence[labels.LaterScore] = ()) -> FlagView:
    since = None
    if flag.is_open:
        since = labels.later_scores_in_words(flag, labels.later_scores(flag, responses))
    return FlagView(
        flag=flag,
        level_label=str(LEVEL_LABELS.get(flag.level, flag.level)),
        rule_label=labels.rule_label(flag.rule, flag.level),
        evidence=labels.evidence_in_words(flag),
        since=since,
    )


def _day_label(day: date) -> str:
    return format_day(day, "d MMM")


CLIENT_CHARTS = ("scales", "sleep")


@dataclass(frozen=True)
class ChartLink:
    """A chart on the client page: its words, and the address of its drawing (lazy image)."""

    alt: str
    summary: str
    url: str


def _chart_series(checkins: Sequence[CheckIn], first_day: date, today: date):
    days = [first_day + timedelta(days=offset) for offset in range((today - first_day).days + 1)]
    by_day = {checkin.day: checkin for checkin in checkins}

    def values(name: str) -> list:
        return [getattr(by_day[day], name) if day in by_day else None for day in days]

    scales = [
        Series(_("Mood"), values("mood")),
        Series(_("Tension"), values("tension")),
        Series(_("Energy"), values("energy")),
        Series(_("Bonding"), values("bonding")),
    ]
    sleep = Series(_("Sleep (hours)"), values("sleep_hours"))
    return days, {
        "scales": (
            _("Mood, tension, energy and bonding (1 to 5)"),
            scales,
            SCALE_RANGE,
            "; ".join(
                trend_summary(one.label, one.values, gettext=_, format_number=_number)
                for one in scales
            ),
        ),
        "sleep": (
            _("Hours of sleep"),
            [sleep],
            _sleep_range(sleep.values),
            trend_summary(sleep.label, sleep.values, gettext=_, format_number=_number),
        ),
    }


def client_chart_links(
    client_id: int, checkins: Sequence[CheckIn], first_day: date, today: date
) -> list[ChartLink]:
    """Describe the period's charts in words, with the address that draws each one."""
    _days, charts = _chart_series(checkins, first_day, today)
    days = (today - first_day).days + 1
    links = []
    for name in CLIENT_CHARTS:
        title, series, _y_range, summary = charts[name]
        fingerprint = _version([value for one in series for value in one.values])
        url = url_for("practice.client_chart", client_id=client_id, name=name, days=days,
                      v=fingerprint)
        links.append(ChartLink(alt=f"{title}: {summary}", summary=summary, url=url))
    return links


def client_chart(client: User, name: str, days: int, today: date) -> Chart:
    """Draw one chart of the client page (the four scales, or sleep) for `days` days."""
    first_day = today - timedelta(days=days - 1)
    checkins = queries.checkins_between(client.id, first_day, today)
    day_list, charts = _chart_series(checkins, first_day, today)
    title, series, y_range, summary = charts[name]
    return line_chart(title, day_list, series, y_range=y_range, summary=summary,
                      day_label=_day_label)


def client_record(client: User, days: int, today: date) -> ClientRecord:
    """Gather the client page for a period of `days` days up to today."""
    first_day = today - timedelta(days=days - 1)
    checkins = queries.checkins_between(client.id, first_day, today)
    locale = _locale()
    responses = queries.questionnaire_history(client.id)
    scores = [labels.as_later_score(response) for response in responses]
    flag_views = [_flag_view(flag, scores) for flag in queries.flag_history(client.id)]
    notes = queries.notes_for(client.id)
    editor_ids = {rev.edited_by_id for note in notes for rev in note.revisions if rev.edited_by_id}
    profile = client.profile
    return ClientRecord(
        client=client,
        today=today,
        days=days,
        first_day=first_day,
        weeks_postpartum=weeks_postpartum(profile.delivery_date if profile else None, today),
        charts=client_chart_links(client.id, checkins, first_day, today),
        checkins=checkins,
        responses=[_response_view(response, locale) for response in responses],
        open_flags=[view for view in flag_views if view.flag.is_open],
        closed_flags=[view for view in flag_views if not view.flag.is_open],
        notes=notes,
        summary=summary_for_header(client, days),
        guidance_progress=progress_for(client),
        names=queries.names_by_id(editor_ids),
        score_trends=score_trends(responses, locale, client.timezone or "Europe/Amsterdam"),
    )


def record_view(client: User, days: int) -> None:
    """Log that the current user looked at a client's record."""
    audit.record("client_record_viewed", client=client, detail=f"period {days} days")


# Flags.


def acknowledge_flag(
    flag: Flag, practitioner: User, note: str, now: datetime | None = None
) -> bool:
    """Acknowledge an open flag with what was done; False if it was no longer open.

    One conditional UPDATE, so two practitioners acknowledging at once cannot overwrite
    each other's note.
    """
    now = now or datetime.now(UTC)
    result = db.session.execute(
        sa.update(Flag)
        .where(Flag.id == flag.id, Flag.acknowledged_at.is_(None), Flag.cleared_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=practitioner.id, acknowledgement_note=note)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(flag)
    audit.record(
        "flag_acknowledged",
        client=flag.client,
        actor=practitioner,
        detail=f"flag {flag.id}",
    )
    return True


# Notes.


def create_note(client: User, author: User, body: str, shared: bool) -> Note:
    """Write a note about a client, private or shared with her."""
    now = datetime.now(UTC)
    note = Note(
        client_id=client.id,
        author_id=author.id,
        body=body,
        shared=shared,
        created_at=now,
        updated_at=now,
    )
    db.session.add(note)
    db.session.flush()
    audit.record(
        "note_created",
        client=client,
        actor=author,
        detail=f"note {note.id} ({'shared' if shared else 'private'})",
    )
    return note


def edit_note(note: Note, editor: User, body: str, shared: bool) -> bool:
    """Change a note, keeping its previous wording as a revision; False if nothing changed."""
    if note.body == body and note.shared == shared:
        return False
    now = datetime.now(UTC)
    note.revisions.append(
        NoteRevision(body=note.body, shared=note.shared, edited_by_id=editor.id, edited_at=now)
    )
    note.body, note.shared, note.updated_at = body, shared, now
    db.session.flush()
    audit.record(
        "note_edited",
        client=db.session.get(User, note.client_id),
        actor=editor,
        detail=f"note {note.id} ({'shared' if shared else 'private'})",
    )
    return True


def withdraw_note(note: Note, by: User, reason: str) -> bool:
    """Withdraw a note with a reason; it stays in the record. False if already withdrawn."""
    if note.withdrawn_at is not None:
        return False
    note.withdrawn_at = datetime.now(UTC)
    note.withdrawn_reason = reason
    db.session.flush()
    # Who withdrew it is kept in the access log (Note has no column for it).
    audit.record(
        "note_withdrawn",
        client=db.session.get(User, note.client_id),
        actor=by,
        detail=f"note {note.id}",
    )
    return True


# The phone consult.


def record_checkin_for_client(
    client: User, practitioner: User, values: dict, silent_note: str | None = None
) -> str:
    """Store a check-in taken during a phone consult, marked as entered by the practitioner.

    The same atomic upsert as her own check-in; fields the consult left empty keep what she
    logged that day, the values it replaced are kept as a revision, and the flag rules run as
    after her own check-in. Her "no check-in" flag stays open (only her own check-ins end it)
    unless the practitioner acknowledges it with a note. Returns what became of that flag:
    "acknowledged", "open" or "none".
    """
    values = dict(values)
    day = values.pop("day")
    save_checkin(client, day, values, entered_by=practitioner, keep_unanswered=True)
    silent = db.session.scalar(
        sa.select(Flag).where(
            Flag.client_id == client.id,
            Flag.rule == "silent",
            Flag.acknowledged_at.is_(None),
            Flag.cleared_at.is_(None),
        )
    )
    if silent is None:
        return "none"
    if silent_note and acknowledge_flag(silent, practitioner, silent_note):
        return "acknowledged"
    return "open"


# A client's own access log (reused by the privacy pages).


@dataclass(frozen=True)
class AccessEntry:
    """One look at or change of her record, in plain words."""

    at: datetime
    who: str
    role: str
    what: str


def access_log_for_client(client: User, limit: int | None = 200) -> list[AccessEntry]:
    """Return who looked at or changed a client's record, newest first, in plain words.

    Her own actions are left out. The name is the person's current name, or only the role
    once the account is gone (the log keeps no other name that is fit to show her).
    """
    statement = (
        sa.select(AuditEvent, User.full_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.client_id == client.id,
            sa.or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id != client.id),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if limit:
        statement = statement.limit(limit)
    entries = []
    for event, full_name in db.session.execute(statement):
        role = str(ROLE_LABELS.get(event.actor_role, event.actor_role or ""))
        who = full_name or role or _("Someone at the practice")
        if event.actor_role == SHARE_RECIPIENT_ROLE:
            # Someone outside the practice, without an account: named as the link named them.
            role = str(_("Recipient of a share link"))
            who = event.actor_label or role
        entries.append(
            AccessEntry(at=event.at, who=who, role=role, what=action_label(event.action))
        )
    return entries
