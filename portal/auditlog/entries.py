"""Access-log entries in plain words: action names for the admin's log and a client's own log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.models import AuditEvent, User
from portal.templating import ROLE_LABELS

# The actor role of a share-link recipient in the access log (portal.careteam.sharing).
SHARE_RECIPIENT_ROLE = "share_recipient"


# Plain-language names of access-log actions, for the admin's log and a client's own log.
ACTION_LABELS = {
    # The practice's own reads and changes of a client record.
    "client_record_viewed": _l("Looked at the client record"),
    "dashboard_viewed": _l("Looked at the dashboard of clients"),
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
    "push_turned_on": _l("Turned on notifications on a device"),
    "push_turned_off": _l("Turned off notifications on a device"),
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


def action_label(action: str) -> str:
    """Return an access-log action in plain words (unknown ones readable as they are)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action.replace("_", " ").capitalize()


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
