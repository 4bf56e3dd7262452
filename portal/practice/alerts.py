"""Alerts: the open flags one submission raised, acknowledged together with one note.

Services add to the session and flush; the view commits once. Every change writes its
AuditEvent beside the change; details never hold health data.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.models import Flag, User


def alert_members(flag: Flag) -> list[Flag]:
    """Return the open flags of the alert this flag belongs to, most urgent first."""
    if flag.alert_key is None:
        return [flag] if flag.is_open else []
    return list(
        db.session.scalars(
            sa.select(Flag)
            .where(
                Flag.client_id == flag.client_id,
                Flag.alert_key == flag.alert_key,
                Flag.acknowledged_at.is_(None),
                Flag.cleared_at.is_(None),
            )
            .order_by(Flag.level_rank, Flag.id)
        )
    )


def acknowledge_flag(
    flag: Flag,
    practitioner: User,
    note: str,
    now: datetime | None = None,
    whole_alert: bool = True,
) -> bool:
    """Acknowledge an open alert (or only this flag) with what was done; False if none was open.

    Every open flag of the alert gets the same time, practitioner and note, so each reason
    keeps its own acknowledged history for the summary and FHIR. One conditional UPDATE, so
    two practitioners acknowledging at once cannot overwrite each other's note.
    """
    now = now or datetime.now(UTC)
    members = alert_members(flag) if whole_alert else ([flag] if flag.is_open else [])
    ids = [member.id for member in members]
    if not ids:
        return False
    result = db.session.execute(
        sa.update(Flag)
        .where(Flag.id.in_(ids), Flag.acknowledged_at.is_(None), Flag.cleared_at.is_(None))
        .values(acknowledged_at=now, acknowledged_by_id=practitioner.id, acknowledgement_note=note)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount < 1:
        return False
    for member in members:
        db.session.refresh(member)
    if flag not in members:
        db.session.refresh(flag)
    audit.record(
        "flag_acknowledged",
        client=flag.client,
        actor=practitioner,
        detail="flags " + ", ".join(str(id_) for id_ in ids) if len(ids) > 1 else f"flag {ids[0]}",
    )
    return True
