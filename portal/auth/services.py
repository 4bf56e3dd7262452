"""Account work: invitations, sign-in, passwords and resets. Services flush; views commit."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import audit
from portal.auth.sessions import revoke_sessions
from portal.extensions import db
from portal.links import absolute_url
from portal.mail import send_mail
from portal.models import (
    ClientProfile,
    Consent,
    Invitation,
    PasswordReset,
    Role,
    User,
    UserSession,
)
from portal.passwords import hash_password, needs_rehash, verify_password
from portal.tokens import hash_token, live_row, new_token


class InvitationError(ValueError):
    """An invitation link that cannot be used (unknown, used, revoked or expired)."""


def normalise_email(email: str) -> str:
    """Return the e-mail address as we store it."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """Look up an account by e-mail, case-insensitively."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def home_endpoint(user: User) -> str:
    """Return the endpoint of a role's home page."""
    return {
        Role.CLIENT.value: "checkins.today",
        Role.PRACTITIONER.value: "practice.dashboard",
        Role.ADMIN.value: "admin.index",
    }[user.role]


def create_user(
    email: str,
    full_name: str,
    role: Role | str,
    password: str | None = None,
    *,
    practitioner: User | None = None,
    locale: str = "nl",
) -> User:
    """Create an account (and a client profile for clients)."""
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        role=str(role),
        password_hash=hash_password(password) if password else None,
        locale=locale,
    )
    if user.role == Role.CLIENT:
        user.profile = ClientProfile(
            practitioner_id=practitioner.id if practitioner else None,
            started_on=date.today(),
        )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this e-mail and password, or None (same for every reason)."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        verify_password(None, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def mark_signed_in(user: User) -> None:
    """Remember when the account last signed in fully (the retention review reads it)."""
    user.last_login_at = datetime.now(UTC)


def set_password(user: User, password: str, *, keep: UserSession | None = None) -> int:
    """Change the password, end every session but `keep` and void every open reset link.

    Returns how many sessions were ended. A reset link sent earlier would otherwise still
    change the new password (to someone else's choice, if her mailbox was read).
    """
    user.password_hash = hash_password(password)
    _void_open_resets(user)
    return revoke_sessions(user, keep=keep)


def _void_open_resets(user: User) -> None:
    db.session.execute(
        sa.delete(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
        )
    )


def create_invitation(
    email: str,
    full_name: str,
    role: Role | str,
    invited_by: User | None,
    *,
    practitioner: User | None = None,
    locale: str = "nl",
) -> tuple[Invitation, str]:
    """Store an invitation and return it with its token (only the hash is stored)."""
    token, token_hash = new_token()
    invitation = Invitation(
        email=normalise_email(email),
        full_name=full_name.strip(),
        role=str(role),
        token_hash=token_hash,
        practitioner_id=practitioner.id if practitioner else None,
        invited_by_id=invited_by.id if invited_by else None,
        locale=locale,
        expires_at=datetime.now(UTC) + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def send_invitation(invitation: Invitation, token: str) -> None:
    """E-mail the invitation link in the invitee's language."""
    link = absolute_url("auth.accept_invitation", token=token)
    with force_locale(invitation.locale):
        subject = _("Your invitation to %(practice)s", practice=current_app.config["PRACTICE_NAME"])
        body = render_template(
            "emails/invitation.txt",
            invitation=invitation,
            link=link,
            days=current_app.config["INVITATION_DAYS"],
        )
    send_mail(invitation.email, subject, body, kind="invitation")


def resend_invitation(invitation: Invitation) -> str:
    """Give an unused invitation a new token and expiry; the old link stops working."""
    token, token_hash = new_token()
    invitation.token_hash = token_hash
    invitation.expires_at = datetime.now(UTC) + timedelta(
        days=current_app.config["INVITATION_DAYS"]
    )
    invitation.revoked_at = None
    return token


def invitation_for_token(token: str) -> Invitation:
    """Return the usable invitation for a token or raise InvitationError."""
    invitation = db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or invitation.revoked_at is not None:
        raise InvitationError("unknown")
    if invitation.accepted_at is not None:
        raise InvitationError("used")
    if invitation.expires_at <= datetime.now(UTC):
        raise InvitationError("expired")
    return invitation


@dataclass(frozen=True)
class ProfileDetails:
    delivery_date: date | None = None
    delivery_type: str | None = None
    feeding: str | None = None
    baby_name: str | None = None


def accept_invitation(
    invitation: Invitation,
    password: str,
    consent_text: str,
    details: ProfileDetails | None = None,
) -> User:
    """Create the invited account with its password, profile and recorded consent."""
    if find_user_by_email(invitation.email) is not None:
        raise InvitationError("exists")
    practitioner = (
        db.session.get(User, invitation.practitioner_id) if invitation.practitioner_id else None
    )
    user = create_user(
        invitation.email,
        invitation.full_name,
        invitation.role,
        password,
        practitioner=practitioner,
        locale=invitation.locale,
    )
    if user.profile is not None and details is not None:
        user.profile.delivery_date = details.delivery_date
        user.profile.delivery_type = details.delivery_type or None
        user.profile.feeding = details.feeding or None
        user.profile.baby_name = (details.baby_name or "").strip() or None
    record_consent(user, consent_text)
    invitation.accepted_at = datetime.now(UTC)
    invitation.user_id = user.id
    audit.record("invitation_accepted", actor=user, client=user if user.is_client else None)
    return user


def record_consent(user: User, text: str) -> Consent:
    """Store the consent text and version the user agreed to, with the time."""
    consent = Consent(
        user_id=user.id,
        version=current_app.config["CONSENT_VERSION"],
        locale=user.locale,
        text=text,
    )
    db.session.add(consent)
    return consent


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the account exists; say nothing either way, and take as long.

    The token and the message are made whether or not the account exists, so the time an
    answer takes does not tell; only storing the link and queueing the mail (two rows in the
    outbox era) are skipped for an unknown address. Nothing here hashes a password.
    """
    user = find_user_by_email(email)
    known = user is not None and user.active
    if known:
        _void_open_resets(user)  # only the newest link works
    token, token_hash = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    link = absolute_url("auth.reset_password", token=token)
    default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    reader = user if known else SimpleNamespace(full_name="", locale=default_locale)
    with force_locale(reader.locale):
        subject = _("Choose a new password")
        body = render_template("emails/password_reset.txt", user=reader, link=link, hours=hours)
    if not known:
        return
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=token_hash,
            expires_at=datetime.now(UTC) + timedelta(hours=hours),
        )
    )
    send_mail(user.email, subject, body, kind="password_reset")


def reset_for_token(token: str) -> PasswordReset | None:
    """Return the unused, unexpired reset for a token."""
    return live_row(PasswordReset, token)


def complete_password_reset(reset: PasswordReset, password: str) -> User:
    """Set the new password, use up the token, end every session and notify the holder."""
    reset.used_at = datetime.now(UTC)
    db.session.flush()  # used: it stays as a record while the open ones are voided
    set_password(reset.user, password)
    notify_password_changed(reset.user)
    audit.record("password_reset", actor=reset.user)
    return reset.user


def notify_password_changed(user: User) -> None:
    """Tell the account holder by e-mail that the password changed."""
    with force_locale(user.locale):
        subject = _("Your password was changed")
        body = render_template("emails/password_changed.txt", user=user)
    send_mail(user.email, subject, body, kind="password_changed")
