"""Write access-log entries; features call record() for reads and changes of client records."""

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from portal.database import READ_METHODS
from portal.extensions import db
from portal.models import AuditEvent, User
from portal.models.base import utcnow

# A dashboard page of 50 clients lists 50 ids; nothing else comes near.
DETAIL_MAX = 2000


def _commit_keeping_loaded_rows() -> None:
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def refusal(client_id: int | None = None) -> None:
    """Log a refused request, with the client it asked for (from the URL when not given)."""
    if client_id is None and has_request_context() and request.view_args:
        client_id = request.view_args.get("client_id")
    record("authorisation_denied", detail=request.path if has_request_context() else None,
           client_id=client_id if isinstance(client_id, int) else None)


def _label(user: User | None) -> str | None:
    return user.email if user is not None else None


def record(action: str, **who) -> None:
    """Write an access-log entry: with the request's changes, or at once for a page view.

    A change is logged in the same transaction as the change. A page view (GET) has no commit
    of its own, so its entry is committed at once, keeping the rows already loaded. (On SQLite
    the INSERT ends the page's read before taking the write lock: see portal.database.)
    The entry is one INSERT sent at once: nothing reads it back, so the ORM's unit of work
    (a flush with its bookkeeping, on every check-in save) would be cost without use.
    Who and what it names: entry()'s keywords.
    """
    db.session.execute(_INSERT, entry(action, **who))
    if has_request_context() and request.method in READ_METHODS:
        _commit_keeping_loaded_rows()


def entry(
    action: str,
    *,
    client: User | None = None,
    detail: str | None = None,
    actor: User | None = None,
    on_behalf_of: User | None = None,
    client_label: str | None = None,
    actor_label: str | None = None,
    actor_role: str | None = None,
    client_id: int | None = None,
) -> dict:
    """Return the columns of an access-log entry, as record() writes it.

    client_label overrides the readable name kept for the client (an erasure's pseudonym);
    actor_label and actor_role name an actor without an account (a share link's recipient).
    client_id names the client asked for when there is no record to pass (a refused request
    for someone else's client, or for an id that does not exist).
    """
    signed_in = has_request_context() and current_user.is_authenticated
    if actor is None and actor_label is None and signed_in:
        actor = current_user._get_current_object()
    return {
        "at": utcnow(),
        "actor_id": actor.id if actor else None,
        "actor_role": actor.role if actor else actor_role,
        "actor_label": _label(actor) if actor else actor_label,
        "on_behalf_of_id": on_behalf_of.id if on_behalf_of else None,
        "client_id": client.id if client else client_id,
        "client_label": client_label or _label(client),
        "action": action,
        "detail": (detail or None) and detail[:DETAIL_MAX],
        "ip_address": request.remote_addr if has_request_context() else None,
    }


ENTRY_PREFIX = "audit_"


def entry_cte() -> sa.CTE:
    """An access-log entry as a data-modifying CTE, for the statement that makes the change
    (PostgreSQL): one round trip instead of two. Its values are entry()'s, passed with
    ENTRY_PREFIX before each name (entry_params)."""
    table = AuditEvent.__table__
    columns = ("at", "actor_id", "actor_role", "actor_label", "on_behalf_of_id", "client_id",
               "client_label", "action", "detail", "ip_address")
    return (
        sa.insert(table)
        .values({
            name: sa.bindparam(ENTRY_PREFIX + name, type_=table.c[name].type) for name in columns
        })
        .cte("logged_access")
    )


def entry_params(action: str, **who) -> dict:
    """Return entry()'s values named for entry_cte()."""
    return {ENTRY_PREFIX + name: value for name, value in entry(action, **who).items()}


def record_many(action: str, clients: list[User], *, detail: str | None = None) -> None:
    """Write one entry per client in a single statement (a page listing many people's records).

    Same rules as record(): the signed-in actor, committed at once on a page view.
    """
    if not clients:
        return
    actor = current_user._get_current_object() if (
        has_request_context() and current_user.is_authenticated) else None
    now = utcnow()
    rows = [
        {
            "at": now,
            "actor_id": actor.id if actor else None,
            "actor_role": actor.role if actor else None,
            "actor_label": _label(actor),
            "on_behalf_of_id": None,
            "client_id": client.id,
            "client_label": _label(client),
            "action": action,
            "detail": (detail or None) and detail[:255],
            "ip_address": request.remote_addr if has_request_context() else None,
        }
        for client in clients
    ]
    db.session.execute(_INSERT, rows)
    if has_request_context() and request.method in READ_METHODS:
        _commit_keeping_loaded_rows()


_INSERT = sa.insert(AuditEvent.__table__)
