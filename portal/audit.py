"""Write access-log entries; features call record() for reads and changes of client records."""

from flask import has_request_context, request
from flask_login import current_user

from portal.database import READ_METHODS
from portal.extensions import db
from portal.models import AuditEvent, User


def _commit_keeping_loaded_rows() -> None:
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


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
    """Add an access-log entry: with the request's changes, or at once for a page view.

    A change is logged in the same transaction as the change. A page view (GET) is logged in a
    short transaction of its own: on SQLite a read transaction cannot later turn into a write
    when another worker wrote in between ("database is locked", whatever the busy timeout), so
    the read is ended first, keeping the rows already loaded, and the insert waits its turn.
    """
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
    if has_request_context() and request.method in READ_METHODS:
        _commit_keeping_loaded_rows()
        db.session.add(event)
        _commit_keeping_loaded_rows()
        return event
    db.session.add(event)
    return event
