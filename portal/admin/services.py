"""Admin work on accounts: lists, practitioner assignment, deactivation, two-step resets."""

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from portal import audit
from portal.auth import twofactor
from portal.auth.sessions import revoke_sessions
from portal.extensions import db
from portal.mail import send_mail
from portal.models import ClientProfile, Enquiry, Invitation, Role, User


def practitioners() -> list[User]:
    """Return the active practitioners, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == Role.PRACTITIONER.value, User.active.is_(True))
            .order_by(User.full_name)
        )
    )


def practitioner_choices() -> list[tuple[int, str]]:
    """Return (id, name) pairs for a practitioner select, with an empty first choice."""
    return [(0, "—")] + [(p.id, p.full_name) for p in practitioners()]


def users_by_role() -> dict[str, list[User]]:
    """Return every account grouped by role, clients with their practitioner loaded."""
    users = db.session.scalars(
        sa.select(User)
        .options(selectinload(User.profile).selectinload(ClientProfile.practitioner))
        .order_by(User.role, User.full_name)
    )
    grouped: dict[str, list[User]] = {role.value: [] for role in Role}
    for user in users:
        grouped[user.role].append(user)
    return grouped


def open_invitations() -> list[Invitation]:
    """Return invitations not yet accepted or revoked, newest first."""
    return list(
        db.session.scalars(
            sa.select(Invitation)
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.created_at.desc())
        )
    )


def update_user(user: User, *, active: bool, practitioner_id: int | None) -> None:
    """Apply an admin's edit to an account and log it."""
    if user.active != active:
        user.active = active
        if not active:
            revoke_sessions(user)  # a deactivated account is signed out everywhere at once
        audit.record(
            "account_activated" if active else "account_deactivated",
            client=user if user.is_client else None,
            detail=user.email,
        )
    if user.profile is not None and user.profile.practitioner_id != practitioner_id:
        user.profile.practitioner_id = practitioner_id
        audit.record("practitioner_assigned", client=user, detail=f"practitioner={practitioner_id}")


def reset_two_factor(user: User) -> None:
    """Switch off someone's two-step sign-in (a lost phone and lost recovery codes).

    Her sessions end everywhere, so whoever might hold the lost phone is signed out too. Staff
    must set it up again before any other page, as at their first sign-in; she is told by
    e-mail, so a reset she did not ask for does not go unnoticed.
    """
    twofactor.disable(user)
    revoke_sessions(user)
    audit.record(
        "two_factor_reset", client=user if user.is_client else None, detail=user.email
    )
    with force_locale(user.locale):
        subject = _("Your two-step sign-in was reset")
        body = render_template("emails/two_factor_reset.txt", user=user)
    send_mail(user.email, subject, body, kind="two_factor_reset")


def recent_enquiries(limit: int = 100) -> list[Enquiry]:
    """Return the newest enquiries from the public contact form."""
    return list(
        db.session.scalars(sa.select(Enquiry).order_by(Enquiry.created_at.desc()).limit(limit))
    )
