"""Account and data-rights work: passwords, e-mail, consent, erasure, retention, own activity.

Services flush; the views commit once. Notices by e-mail never carry health data.
"""

import calendar
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.auth.consent import consent_text
from portal.auth.services import (
    find_user_by_email,
    normalise_email,
    notify_password_changed,
    record_consent,
    set_password,
)
from portal.careteam import sharing
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import send_mail
from portal.models import (
    AuditEvent,
    Consent,
    EmailChange,
    ErasureRequest,
    Role,
    User,
    UserSession,
)
from portal.tokens import live_row, new_token

# --- password and e-mail --------------------------------------------------------------------


def change_password(user: User, password: str, *, keep: UserSession | None) -> int:
    """Set a new password, end every session but this one and tell the account holder."""
    ended = set_password(user, password, keep=keep)
    notify_password_changed(user)
    audit.record("password_changed", actor=user)
    return ended


def request_email_change(user: User, new_email: str) -> EmailChange:
    """Send a confirmation link to the new address; the account keeps its address till then.

    A mistyped address would otherwise lock her out of password resets. One request is
    pending at a time: a new one voids the earlier link. The current address gets a notice
    without the new address in it, so a stranger who took over the session learns nothing.

    An address that belongs to another account is handled alike, so that the answer does not
    tell which addresses have accounts: the request is recorded the same way, but its owner
    gets a warning instead of a link (she learns nothing about who tried), and the change can
    never be confirmed.
    """
    db.session.execute(
        sa.delete(EmailChange).where(EmailChange.user_id == user.id, EmailChange.used_at.is_(None))
    )
    token, token_hash = new_token()
    hours = current_app.config["EMAIL_CHANGE_HOURS"]
    change = EmailChange(
        user_id=user.id,
        new_email=normalise_email(new_email),
        token_hash=token_hash,
        expires_at=datetime.now(UTC) + timedelta(hours=hours),
    )
    db.session.add(change)
    owner = find_user_by_email(change.new_email)
    if owner is None:
        link = absolute_url("privacy.confirm_email", token=token)
        with force_locale(user.locale):
            subject = _("Confirm your new e-mail address")
            body = render_template(
                "privacy/emails/confirm_email.txt", user=user, link=link, hours=hours
            )
    else:
        with force_locale(owner.locale):
            subject = _("Someone tried to use your e-mail address")
            body = render_template("privacy/emails/address_in_use.txt", user=owner)
    send_mail(change.new_email, subject, body, kind="email_change")
    with force_locale(user.locale):
        notice = (
            _("A new e-mail address was asked for your account"),
            render_template("privacy/emails/email_change_requested.txt", user=user),
        )
    send_mail(user.email, *notice, kind="email_change")
    audit.record(
        "email_change_requested",
        actor=user,
        detail="the address belongs to another account" if owner is not None else None,
    )
    return change


def pending_email_change(user: User) -> EmailChange | None:
    """Return her unconfirmed, unexpired change of address, if any."""
    return db.session.scalar(
        sa.select(EmailChange).where(
            EmailChange.user_id == user.id,
            EmailChange.used_at.is_(None),
            EmailChange.expires_at > datetime.now(UTC),
        )
    )


def email_change_for_token(token: str) -> EmailChange | None:
    """Return the unused, unexpired change of address for a link's token."""
    return live_row(EmailChange, token)


def confirm_email_change(change: EmailChange) -> bool:
    """Make the confirmed address the sign-in address; False if it was taken meanwhile."""
    user = change.user
    old_email = user.email
    try:
        # The unique index decides, even against an account claiming it at this very moment.
        with db.session.begin_nested():
            user.email = change.new_email
            change.used_at = datetime.now(UTC)
    except IntegrityError:
        return False
    with force_locale(user.locale):
        subject = _("The e-mail address of your account was changed")
        body = render_template("privacy/emails/email_changed.txt", user=user)
    send_mail(old_email, subject, body, kind="email_change")
    audit.record("email_changed", actor=user)
    return True


# --- consent --------------------------------------------------------------------------------


def current_consent(user: User) -> Consent | None:
    """Return the consent the account gave most recently."""
    return db.session.scalar(
        sa.select(Consent)
        .where(Consent.user_id == user.id)
        .order_by(Consent.given_at.desc(), Consent.id.desc())
        .limit(1)
    )


def withdraw_consent(client: User) -> None:
    """Withdraw consent: pause collection, close her share links, tell her practitioner."""
    consent = current_consent(client)
    if consent is not None and consent.withdrawn_at is None:
        consent.withdrawn_at = datetime.now(UTC)
    client.profile.collection_paused = True
    sharing.revoke_for_withdrawn_consent(client, client)
    audit.record("consent_withdrawn", client=client)
    _notify_practitioner(client, withdrawn=True)


def give_consent(client: User) -> Consent:
    """Record consent again with today's text and version and resume collection."""
    consent = record_consent(client, consent_text(client.role))
    client.profile.collection_paused = False
    audit.record("consent_given", client=client)
    _notify_practitioner(client, withdrawn=False)
    return consent


def _notify_practitioner(client: User, *, withdrawn: bool) -> None:
    practitioner = client.profile.practitioner if client.profile else None
    if practitioner is None:
        return
    with force_locale(practitioner.locale):
        if withdrawn:
            subject = _("A client withdrew her consent")
        else:
            subject = _("A client gave her consent again")
        body = render_template(
            "privacy/emails/consent_changed.txt",
            practitioner=practitioner,
            client=client,
            withdrawn=withdrawn,
        )
    send_mail(practitioner.email, subject, body, kind="consent")


# --- erasure requests -----------------------------------------------------------------------


def pseudonym(user: User) -> str:
    """Return the account's pseudonym: random, drawn when the account was made."""
    return user.pseudonym


def pseudonym_label(pseudonym: str) -> str:
    """Return the label that replaces an erased person's address in the access log."""
    return f"erased:{pseudonym[:16]}"


def latest_erasure_request(user: User) -> ErasureRequest | None:
    """Return the account's most recent erasure request."""
    return db.session.scalar(
        sa.select(ErasureRequest)
        .where(ErasureRequest.user_id == user.id)
        .order_by(ErasureRequest.requested_at.desc(), ErasureRequest.id.desc())
        .limit(1)
    )


def request_erasure(client: User) -> ErasureRequest:
    """Ask the practice to erase her data (one open request at a time); tell the admins."""
    latest = latest_erasure_request(client)
    if latest is not None and latest.decided_at is None:
        return latest
    erasure = ErasureRequest(user_id=client.id, pseudonym=pseudonym(client))
    db.session.add(erasure)
    db.session.flush()
    audit.record("erasure_requested", client=client)
    body = render_template(
        "privacy/emails/erasure_requested.txt", link=absolute_url("privacy.erasure_requests")
    )
    send_mail(
        admin_recipients(), _("A client asked to erase her data"), body, kind="erasure_request"
    )
    return erasure


def admin_recipients() -> list[str]:
    """Return the addresses that receive notices for the practice's administrators."""
    configured = current_app.config.get("ADMIN_NOTIFY_EMAIL")
    if configured:
        return [configured]
    return list(
        db.session.scalars(
            sa.select(User.email).where(User.role == Role.ADMIN.value, User.active.is_(True))
        )
    )


def erasure_requests() -> tuple[list[ErasureRequest], list[ErasureRequest]]:
    """Return the open requests (oldest first) and the 50 most recently decided ones."""
    open_requests = db.session.scalars(
        sa.select(ErasureRequest)
        .where(ErasureRequest.decided_at.is_(None))
        .order_by(ErasureRequest.requested_at)
    ).all()
    decided = db.session.scalars(
        sa.select(ErasureRequest)
        .where(ErasureRequest.decided_at.is_not(None))
        .order_by(ErasureRequest.decided_at.desc())
        .limit(50)
    ).all()
    return list(open_requests), list(decided)


def keep_record(erasure: ErasureRequest, admin: User, reason: str) -> None:
    """Decide to keep the record, with the reason she is told."""
    client = db.session.get(User, erasure.user_id)
    erasure.decided_at = datetime.now(UTC)
    erasure.decided_by_id = admin.id
    erasure.decision = "kept"
    erasure.reason = reason.strip()
    audit.record("erasure_declined", client=client, actor=admin)
    if client is not None:
        with force_locale(client.locale):
            subject = _("Your request to erase your data")
            body = render_template(
                "privacy/emails/erasure_decided.txt", client=client, erasure=erasure
            )
        send_mail(client.email, subject, body, kind="erasure_decision")


# --- retention ------------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """Return the same moment a number of calendar months earlier (clamped to month end)."""
    year, month_index = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month_index + 1)[1])
    return moment.replace(year=year, month=month_index + 1, day=day)


def inactive_accounts(now: datetime | None = None, months: int | None = None) -> list[User]:
    """List accounts without a sign-in (else since creation) for longer than the retention."""
    now = now or datetime.now(UTC)
    months = months if months is not None else current_app.config.get("RETENTION_MONTHS", 24)
    cutoff = months_before(now, months)
    last_active = sa.func.coalesce(User.last_login_at, User.created_at)
    return list(
        db.session.scalars(sa.select(User).where(last_active < cutoff).order_by(last_active))
    )


# --- her access log -------------------------------------------------------------------------


def own_activity(client: User, limit: int | None = None) -> list[AuditEvent]:
    """Return the access-log entries of her own actions (sign-ins, changes), newest first."""
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.actor_id == client.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))
