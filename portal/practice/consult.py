"""The phone consult: a check-in the practitioner records for her.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.checkins.services import save_checkin
from portal.extensions import db
from portal.models import Flag, User
from portal.practice.alerts import acknowledge_flag


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
    if silent_note and acknowledge_flag(silent, practitioner, silent_note, whole_alert=False):
        return "acknowledged"
    return "open"
