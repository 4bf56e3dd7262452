"""Write access-log entries; features call record() for reads and changes of client records."""

from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEvent, User


def _label(user: User | None) -> str | None:
    return user.email if user is not None else None


def record(
    action: str,
    *,
    client: User | None = None,
    detail: str | None = None,
    actor: User | None = None,
    on_behalf_of: User | None = None,
) -> AuditEvent:
    """Add an access-log entry to the session (the request commits it)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        actor_label=_label(actor),
        on_behalf_of_id=on_behalf_of.id if on_behalf_of else None,
        client_id=client.id if client else None,
        client_label=_label(client),
        action=action,
        detail=(detail or None) and detail[:255],
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
