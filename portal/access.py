"""Who may see what: role checks and the one loader that decides access to a client's record."""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from portal import audit
from portal.extensions import db, login_manager
from portal.models import ClientProfile, Role, User


def roles_required(*roles: Role) -> Callable:
    """Let signed-in users with one of the roles through; others get a login page or 403."""
    allowed = {str(role) for role in roles}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                audit.refusal()
                db.session.commit()
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def may_see_client(viewer: User, client_id: int) -> bool:
    """Tell whether the viewer may open this client's record (herself or her practitioner)."""
    if viewer.is_client:
        return viewer.id == client_id
    if viewer.is_practitioner:
        practitioner_id = db.session.scalar(
            sa.select(ClientProfile.practitioner_id).where(ClientProfile.user_id == client_id)
        )
        return practitioner_id == viewer.id
    # An admin runs the practice but is not a practitioner of every client.
    return False


def client_for_current_user(client_id: int) -> User:
    """Return the client record if the current user may see it; 404 for anyone else."""
    if not current_user.is_authenticated:
        abort(404)
    client = db.session.get(User, client_id)
    if client is None or not client.is_client or not may_see_client(current_user, client_id):
        audit.refusal(client_id)
        db.session.commit()
        abort(404)
    return client


def client_record_for_practitioner(client_id: int) -> User:
    """Return a client's record for her own practitioner: the one loader of practitioner pages.

    Anonymous visitors are sent to sign in; everyone else who is not her practitioner (the
    client herself included: she has her own pages, and these may hold private notes) gets 404.
    """
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.is_practitioner:
        audit.refusal(client_id)
        db.session.commit()
        abort(404)
    return client_for_current_user(client_id)


def practitioner_clients_query(practitioner: User) -> sa.Select:
    """Select the clients assigned to a practitioner."""
    return (
        sa.select(User)
        .join(ClientProfile, ClientProfile.user_id == User.id)
        .where(ClientProfile.practitioner_id == practitioner.id, User.role == Role.CLIENT.value)
    )
