"""Everything the portal holds about a client, as one ZIP: JSON, a CSV per table and her summary.

Practitioners' private notes are not part of it (nor the note a practitioner writes when
acknowledging a flag): they are the practice's working notes. Shared notes are, and so are her
messages with the practice (a message the practice withdrew is listed without its text).
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from portal.auditlog.entries import access_log_for_client
from portal.dates import local_today
from portal.extensions import db
from portal.models import (
    Appointment,
    Assignment,
    CareTeamMember,
    CheckIn,
    CheckInRevision,
    Consent,
    ContactAttempt,
    EmailChange,
    ErasureRequest,
    Flag,
    Lesson,
    LessonProgress,
    Message,
    MessageThread,
    Module,
    Note,
    QuestionnaireResponse,
    RecommendationDismissal,
    ShareLink,
    User,
    UserSession,
)
from portal.privacy.services import own_activity
from portal.reports.fhir import Bundle, build_bundle
from portal.reports.pdf import render_pdf
from portal.reports.summary import CLIENT, DEFAULT_DAYS, Period, build_summary, last_days

FORMAT_VERSION = 1
# Spreadsheet programs run a cell starting with these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value):
    """Return a value JSON can hold."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _columns(row, exclude: Iterable[str] = ()) -> dict:
    skip = set(exclude)
    return {
        column.key: _plain(getattr(row, column.key))
        for column in sa.inspect(row).mapper.column_attrs
        if column.key not in skip
    }


def _rows(model, where, order_by, exclude: Iterable[str] = ()) -> list[dict]:
    return [
        _columns(row, exclude)
        for row in db.session.scalars(sa.select(model).where(where).order_by(*order_by))
    ]


def collect(client: User) -> dict[str, object]:
    """Gather all her data as plain values: one list of records per table."""
    profile = client.profile
    practitioner = profile.practitioner if profile else None
    account = {
        "email": client.email,
        "full_name": client.full_name,
        "role": client.role,
        "locale": client.locale,
        "timezone": client.timezone,
        "created_at": _plain(client.created_at),
        "last_login_at": _plain(client.last_login_at),
        "two_factor_enabled": client.totp_enabled,
    }
    if profile is not None:
        account.update(
            _columns(profile, exclude=("user_id", "practitioner_id")),
            practitioner=practitioner.full_name if practitioner else None,
        )
    notes = [
        {
            "written_at": _plain(note.created_at),
            "updated_at": _plain(note.updated_at),
            "author": note.author.full_name if note.author else None,
            "body": note.body,
        }
        for note in db.session.scalars(
            sa.select(Note)
            .where(Note.client_id == client.id, Note.shared.is_(True), Note.withdrawn_at.is_(None))
            .order_by(Note.created_at)
        )
    ]
    assignments = [
        {"module": slug, "assigned_at": _plain(at), "message": message}
        for slug, at, message in db.session.execute(
            sa.select(Module.slug, Assignment.assigned_at, Assignment.message)
            .join(Module, Module.id == Assignment.module_id)
            .where(Assignment.client_id == client.id)
            .order_by(Assignment.assigned_at)
        )
    ]
    lessons_done = [
        {"module": module, "lesson": lesson, "completed_at": _plain(at)}
        for module, lesson, at in db.session.execute(
            sa.select(Module.slug, Lesson.slug, LessonProgress.completed_at)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(LessonProgress.client_id == client.id)
            .order_by(LessonProgress.completed_at)
        )
    ]
    practitioner_user = aliased(User)
    messages = [
        {
            "sent_at": _plain(message.created_at),
            "from": _("you") if message.from_client else sender,
            "to": practitioner_name if message.from_client else _("you"),
            # A message someone else withdrew is not hers to keep; her own stays hers.
            "body": message.body
            if message.withdrawn_at is None or message.from_client
            else None,
            "read_at": _plain(message.read_at),
            "withdrawn_at": _plain(message.withdrawn_at),
        }
        for message, sender, practitioner_name in db.session.execute(
            sa.select(Message, User.full_name, practitioner_user.full_name)
            .join(MessageThread, MessageThread.id == Message.thread_id)
            .join(User, User.id == Message.sender_id)
            .join(practitioner_user, practitioner_user.id == MessageThread.practitioner_id)
            .where(MessageThread.client_id == client.id)
            .order_by(Message.created_at, Message.id)
        )
    ]
    access_log = [
        {"at": _plain(entry.at), "who": entry.who, "role": entry.role, "what": entry.what}
        for entry in access_log_for_client(client, limit=None)
    ]
    activity = [
        {"at": _plain(event.at), "action": event.action, "ip_address": event.ip_address}
        for event in own_activity(client)
    ]
    calls = [
        {
            "at": _plain(attempt.at),
            "flag_id": attempt.flag_id,
            "caller": attempt.caller.full_name if attempt.caller else None,
            "callee": attempt.callee,
            "outcome": attempt.outcome,
        }
        # The call's note is the practitioner's working note, like an acknowledgement note.
        for attempt in db.session.scalars(
            sa.select(ContactAttempt)
            .where(ContactAttempt.client_id == client.id)
            .order_by(ContactAttempt.at)
        )
    ]
    return {
        "account": [account],
        "care_team": _rows(
            CareTeamMember,
            CareTeamMember.client_id == client.id,
            (CareTeamMember.created_at,),
            exclude=("client_id", "added_by_id"),
        ),
        "contact_attempts": calls,
        "share_links": _rows(
            ShareLink,
            ShareLink.client_id == client.id,
            (ShareLink.created_at,),
            exclude=("client_id", "member_id", "created_by_id", "token_hash"),
        ),
        "appointments": _rows(
            Appointment,
            Appointment.client_id == client.id,
            (Appointment.starts_at, Appointment.id),
            exclude=("client_id", "practitioner_id", "booked_by_id"),
        ),
        "checkins": _rows(
            CheckIn, CheckIn.client_id == client.id, (CheckIn.day,), exclude=("client_id",)
        ),
        # Her values as they were before a practitioner changed a day during a phone consult.
        "checkin_revisions": _rows(
            CheckInRevision,
            CheckInRevision.checkin_id.in_(
                sa.select(CheckIn.id).where(CheckIn.client_id == client.id)
            ),
            (CheckInRevision.replaced_at, CheckInRevision.id),
        ),
        "questionnaire_responses": _rows(
            QuestionnaireResponse,
            QuestionnaireResponse.client_id == client.id,
            (QuestionnaireResponse.submitted_at,),
            # The form's one-time id only keeps a repeated POST from storing twice.
            exclude=("client_id", "submission_id"),
        ),
        "flags": _rows(
            Flag,
            Flag.client_id == client.id,
            (Flag.raised_at,),
            exclude=("client_id", "acknowledgement_note", "acknowledged_by_id"),
        ),
        "shared_notes": notes,
        "messages": messages,
        "guidance_assigned": assignments,
        "lessons_completed": lessons_done,
        "recommendations_dismissed": _rows(
            RecommendationDismissal,
            RecommendationDismissal.client_id == client.id,
            (RecommendationDismissal.dismissed_at,),
            exclude=("client_id",),
        ),
        "consents": _rows(
            Consent, Consent.user_id == client.id, (Consent.given_at,), exclude=("user_id",)
        ),
        "email_changes": _rows(
            EmailChange,
            EmailChange.user_id == client.id,
            (EmailChange.created_at,),
            exclude=("user_id", "token_hash"),
        ),
        # Where she was signed in: devices and addresses are data about her too.
        "signed_in_devices": _rows(
            UserSession,
            UserSession.user_id == client.id,
            (UserSession.created_at,),
            exclude=("id", "user_id", "token_hash"),
        ),
        "erasure_requests": _rows(
            ErasureRequest,
            ErasureRequest.user_id == client.id,
            (ErasureRequest.requested_at,),
            exclude=("user_id", "decided_by_id", "pseudonym"),
        ),
        "access_log": access_log,
        "own_activity": activity,
    }


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text


def to_csv(records: list[dict]) -> str:
    """Return records as CSV text with a header row (columns in first-seen order)."""
    columns: list[str] = []
    for record in records:
        columns.extend(key for key in record if key not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for record in records:
        writer.writerow([_csv_cell(record.get(column)) for column in columns])
    return buffer.getvalue()


def summary_pdf(client: User) -> bytes:
    """Render her progress summary of the last 30 days, the one her progress page offers."""
    period = last_days(DEFAULT_DAYS, local_today(client.timezone))
    summary = build_summary(
        client, period.start, period.end, audience=CLIENT, locale=client.locale or "nl"
    )
    return render_pdf(summary)


def fhir_bundle(client: User) -> Bundle:
    """Return all her check-ins and questionnaires as a FHIR R4 Bundle, since she started."""
    today = local_today(client.timezone)
    started = client.profile.started_on if client.profile else None
    first = min(started or today, db.session.scalar(
        sa.select(sa.func.min(CheckIn.day)).where(CheckIn.client_id == client.id)) or today)
    return build_bundle(client, Period(first, today))


def build_zip(client: User, now: datetime | None = None) -> bytes:
    """Return the ZIP of all her data: data.json, csv/<table>.csv and summary.pdf."""
    now = now or datetime.now(UTC)
    data = collect(client)
    document = {
        "format_version": FORMAT_VERSION,
        "exported_at": now.isoformat(),
        "practice": current_app.config["PRACTICE_NAME"],
        **data,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)
        )
        for table, records in data.items():
            archive.writestr(f"csv/{table}.csv", to_csv(records))
        archive.writestr("summary.pdf", summary_pdf(client))
        archive.writestr("fhir.json", fhir_bundle(client).model_dump_json())
        archive.writestr("README.txt", _readme())
    return buffer.getvalue()


def _readme() -> str:
    lines = [
        _("All data %(practice)s holds about you.", practice=current_app.config["PRACTICE_NAME"]),
        "",
        _("data.json: everything in one file, for moving it to another service."),
        _("csv/: the same, one spreadsheet file per kind of data."),
        _("summary.pdf: your progress summary of the last 30 days."),
        _("fhir.json: your check-ins and questionnaires in FHIR R4, the format care providers"
          " exchange."),
    ]
    return "\n".join(lines) + "\n"
