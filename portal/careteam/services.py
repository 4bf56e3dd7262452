"""Her contact details and care team, calls about a flag, and the urgent-flag protocol.

Services add to the session and flush; the view commits once. Every change writes its
AuditEvent here, beside the change; details name fields and ids, never the values.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from portal import audit
from portal.careteam import phones
from portal.careteam.forms import CARE_ROLE_LABELS
from portal.careteam.sharing import revoke_for_member
from portal.extensions import db
from portal.models import CareTeamMember, ContactAttempt, Flag, PracticeSetting, User
from portal.models.base import utcnow

CONTACT_FIELDS = (
    "date_of_birth",
    "phone",
    "emergency_contact_name",
    "emergency_contact_relation",
    "emergency_contact_phone",
)
URGENT_PROTOCOL = "urgent_protocol"
OTHER_CALLEE = "other"


def update_contact(client: User, values: dict, actor: User) -> list[str]:
    """Store her phone and emergency contact; return the names of the fields that changed."""
    profile = client.profile
    changed = [name for name in CONTACT_FIELDS if getattr(profile, name) != values.get(name)]
    for name in changed:
        setattr(profile, name, values.get(name))
    if changed:
        db.session.flush()
        audit.record("contact_details_changed", client=client, actor=actor,
                     detail=", ".join(changed))
    return changed


def care_team(client_id: int) -> list[CareTeamMember]:
    """Return her care-team members in the order they were added."""
    return list(
        db.session.scalars(
            sa.select(CareTeamMember)
            .where(CareTeamMember.client_id == client_id)
            .order_by(CareTeamMember.created_at, CareTeamMember.id)
        )
    )


def member_of(client: User, member_id: int) -> CareTeamMember | None:
    """Return one member of her care team, or None when the id is not hers."""
    return db.session.scalar(
        sa.select(CareTeamMember).where(
            CareTeamMember.id == member_id, CareTeamMember.client_id == client.id
        )
    )


def add_member(client: User, values: dict, actor: User) -> CareTeamMember:
    """Add a professional to her care team."""
    member = CareTeamMember(client_id=client.id, added_by_id=actor.id, **values)
    db.session.add(member)
    db.session.flush()
    audit.record("care_team_member_added", client=client, actor=actor,
                 detail=f"member {member.id} ({member.role})")
    return member


def remove_member(client: User, member: CareTeamMember, actor: User) -> None:
    """Take a professional off her care team; her open links to them close."""
    revoke_for_member(member, actor)
    audit.record("care_team_member_removed", client=client, actor=actor,
                 detail=f"member {member.id} ({member.role})")
    db.session.delete(member)
    db.session.flush()


def member_label(member: CareTeamMember) -> str:
    """Name a member with her role, as a list or a call log shows it."""
    return f"{CARE_ROLE_LABELS[member.role]}: {member.name}"


def callee_choices(client: User, members: list[CareTeamMember]) -> list[tuple[str, str]]:
    """Return whom a practitioner can have called about her flag, as (key, words) pairs."""
    profile = client.profile
    choices = []
    if profile.phone:
        choices.append(("client", _("%(name)s herself", name=client.full_name)))
    if profile.emergency_contact_name:
        choices.append(("emergency", _("Emergency contact: %(name)s",
                                       name=profile.emergency_contact_name)))
    choices.extend((f"member-{member.id}", member_label(member)) for member in members)
    choices.append((OTHER_CALLEE, _("Someone else (say whom in the note)")))
    return choices


def record_contact_attempt(
    flag: Flag, caller: User, callee_key: str, outcome: str, note: str | None,
    choices: list[tuple[str, str]],
) -> ContactAttempt:
    """Log one call about a flag; callee_key must be one of the choices offered."""
    callee = dict(choices)[callee_key]
    attempt = ContactAttempt(flag_id=flag.id, client_id=flag.client_id, caller_id=caller.id,
                             callee=callee[:200], outcome=outcome, note=note or None)
    db.session.add(attempt)
    db.session.flush()
    audit.record("contact_attempt_recorded", client=flag.client, actor=caller,
                 detail=f"flag {flag.id}: {outcome}")
    return attempt


def attempts_by_flag(flag_ids: list[int]) -> dict[int, list[ContactAttempt]]:
    """Return the calls about each flag, oldest first, in one query."""
    found: dict[int, list[ContactAttempt]] = defaultdict(list)
    if not flag_ids:
        return found
    for attempt in db.session.scalars(
        sa.select(ContactAttempt)
        .where(ContactAttempt.flag_id.in_(flag_ids))
        .options(sa.orm.joinedload(ContactAttempt.caller))
        .order_by(ContactAttempt.at, ContactAttempt.id)
    ):
        found[attempt.flag_id].append(attempt)
    return found


def urgent_protocol() -> str | None:
    """Return the practice's protocol for urgent flags, or None if the admin set none."""
    return db.session.scalar(
        sa.select(PracticeSetting.value).where(PracticeSetting.key == URGENT_PROTOCOL)
    ) or None


def set_urgent_protocol(text: str | None, admin: User) -> None:
    """Store the protocol for urgent flags (empty removes it)."""
    setting = db.session.get(PracticeSetting, URGENT_PROTOCOL)
    if setting is None:
        setting = PracticeSetting(key=URGENT_PROTOCOL, value="")
        db.session.add(setting)
    setting.value = text or ""
    setting.updated_at = utcnow()
    setting.updated_by_id = admin.id
    db.session.flush()
    audit.record("urgent_protocol_changed", actor=admin)


@dataclass
class ContactPanel:
    """What the practitioner's client page shows of her contact details and care team."""

    phone: str | None
    emergency_name: str | None
    emergency_relation: str | None
    emergency_phone: str | None
    members: list[CareTeamMember]
    protocol: str | None
    attempts: dict[int, list[ContactAttempt]] = field(default_factory=dict)


def contact_panel(client: User, flag_ids: list[int]) -> ContactPanel:
    """Gather her contact details, care team, the calls about her flags and the protocol."""
    profile = client.profile
    return ContactPanel(
        phone=profile.phone if profile else None,
        emergency_name=profile.emergency_contact_name if profile else None,
        emergency_relation=profile.emergency_contact_relation if profile else None,
        emergency_phone=profile.emergency_contact_phone if profile else None,
        members=care_team(client.id),
        protocol=urgent_protocol(),
        attempts=attempts_by_flag(flag_ids),
    )


def display_phone(e164: str | None) -> str:
    """Return a stored number in Dutch national format."""
    return phones.display(e164)
