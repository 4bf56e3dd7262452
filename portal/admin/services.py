"""Admin work on accounts: lists, practitioner assignment, deactivation, two-step resets,
and the open urgent flags an admin must be able to act on."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from portal import audit, flag_service, labels
from portal.auth import twofactor
from portal.auth.sessions import revoke_sessions
from portal.extensions import db
from portal.mail import send_mail
from portal.models import ClientProfile, Enquiry, Flag, Invitation, Role, User


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


def clients_of(practitioner: User) -> list[User]:
    """Return every client assigned to a practitioner (active or not)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(ClientProfile, ClientProfile.user_id == User.id)
            .where(ClientProfile.practitioner_id == practitioner.id)
            .order_by(User.id)
        )
    )


def hand_over_clients(practitioner: User, successor: User) -> int:
    """Hand all of a practitioner's clients to a successor; return how many moved."""
    clients = clients_of(practitioner)
    for client in clients:
        assign_practitioner(client, successor)
    return len(clients)


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
        practitioner = db.session.get(User, practitioner_id) if practitioner_id else None
        assign_practitioner(user, practitioner)


def assign_practitioner(client: User, practitioner: User | None) -> bool:
    """Hand a client to a practitioner; she is told at once of the client's open urgent flags.

    Returns False when the client already had that practitioner.
    """
    new_id = practitioner.id if practitioner else None
    if client.profile is None or client.profile.practitioner_id == new_id:
        return False
    client.profile.practitioner = practitioner
    db.session.flush()
    audit.record("practitioner_assigned", client=client, detail=f"practitioner={new_id}")
    urgent = db.session.scalars(
        sa.select(Flag).where(Flag.client_id == client.id, Flag.level == "urgent", _open_flag())
    ).all()
    if urgent and practitioner is not None:
        flag_service.notify_practitioner(client, list(urgent))
    return True


def _open_flag():
    return sa.and_(Flag.acknowledged_at.is_(None), Flag.cleared_at.is_(None))


@dataclass(frozen=True)
class UrgentFlagRow:
    """An open urgent flag as the admin sees it: who, whose, since when; only the rule's name."""

    flag_id: int
    client_id: int
    client_name: str
    practitioner_id: int | None
    practitioner_name: str | None
    practitioner_active: bool
    rule_label: str
    raised_at: datetime
    overdue: bool
    escalated_at: datetime | None


@dataclass(frozen=True)
class UnassignedClientRow:
    """A client with open flags and no active practitioner to see them."""

    client_id: int
    client_name: str
    practitioner_name: str | None
    rule_labels: list[str]
    oldest_raised_at: datetime


def open_urgent_flags(now: datetime, escalation_hours: int) -> list[UrgentFlagRow]:
    """Return every open urgent flag, the one open longest first, in one query."""
    practitioner = aliased(User)
    overdue_from = now - timedelta(hours=escalation_hours)
    rows = db.session.execute(
        sa.select(
            Flag.id,
            Flag.rule,
            Flag.level,
            Flag.raised_at,
            Flag.escalated_at,
            User.id.label("client_id"),
            User.full_name,
            practitioner.id.label("practitioner_id"),
            practitioner.full_name.label("practitioner_name"),
            practitioner.active.label("practitioner_active"),
        )
        .join(User, User.id == Flag.client_id)
        .join(ClientProfile, ClientProfile.user_id == User.id)
        .outerjoin(practitioner, practitioner.id == ClientProfile.practitioner_id)
        .where(Flag.level == "urgent", _open_flag())
        .order_by(Flag.raised_at, Flag.id)
    )
    return [
        UrgentFlagRow(
            flag_id=row.id,
            client_id=row.client_id,
            client_name=row.full_name,
            practitioner_id=row.practitioner_id,
            practitioner_name=row.practitioner_name,
            practitioner_active=bool(row.practitioner_active),
            rule_label=labels.rule_label(row.rule, row.level),
            raised_at=row.raised_at,
            overdue=row.raised_at <= overdue_from,
            escalated_at=row.escalated_at,
        )
        for row in rows
    ]


def unassigned_clients_with_flags() -> list[UnassignedClientRow]:
    """Return clients with open flags whose practitioner is missing or deactivated."""
    practitioner = aliased(User)
    rows = db.session.execute(
        sa.select(
            User.id,
            User.full_name,
            practitioner.full_name.label("practitioner_name"),
            Flag.rule,
            Flag.level,
            Flag.raised_at,
        )
        .join(User, User.id == Flag.client_id)
        .join(ClientProfile, ClientProfile.user_id == User.id)
        .outerjoin(practitioner, practitioner.id == ClientProfile.practitioner_id)
        .where(
            _open_flag(),
            sa.or_(practitioner.id.is_(None), practitioner.active.is_(False)),
        )
        .order_by(Flag.level_rank, Flag.raised_at, Flag.id)
    )
    clients: dict[int, UnassignedClientRow] = {}
    for row in rows:
        label = labels.rule_label(row.rule, row.level)
        if row.id not in clients:
            clients[row.id] = UnassignedClientRow(
                row.id, row.full_name, row.practitioner_name, [label], row.raised_at
            )
        else:
            clients[row.id].rule_labels.append(label)
    return list(clients.values())


def open_urgent_count() -> int:
    """Count the open urgent flags, for the link on the admin's home page."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Flag.id)).where(Flag.level == "urgent", _open_flag())
        )
        or 0
    )


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
