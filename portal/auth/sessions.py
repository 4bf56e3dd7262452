"""Server-side sessions behind Flask-Login: the cookie carries a random id, a row says the rest.

A sign-out, a new password, a deactivation, an erasure or a reset of two-step sign-in ends
sessions by marking their rows (or deleting them, for an erasure), so a copy of the cookie
opens nothing afterwards, on any worker or host.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, login_user
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from portal.auth.devices import describe_device
from portal.extensions import db
from portal.models import User, UserSession
from portal.tokens import hash_token, new_token

# How long a session lasts from sign-in, however active: "staff" for practitioners and
# admins, "client" for a client, "remembered" for a client who ticked "stay signed in on
# this phone". A config's SESSION_LIFETIMES overrides single entries.
SESSION_LIFETIMES = {
    "staff": timedelta(hours=12),
    "client": timedelta(hours=12),
    "remembered": timedelta(days=30),
}
# How long a session lasts without a request, per role (a config's IDLE_LIMITS overrides).
IDLE_LIMITS = {
    "client": timedelta(hours=12),
    "practitioner": timedelta(minutes=30),
    "admin": timedelta(minutes=30),
}
# Idle limits count minutes and hours: last seen is written at most once a minute.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


# --- the pure rule ---------------------------------------------------------------------------


def session_end(
    role: str,
    remembered: bool,
    *,
    created_at: datetime,
    last_seen_at: datetime,
    now: datetime,
    limits: dict,
) -> str | None:
    """Return why a session has ended ("idle" or "expired"), or None while it lasts."""
    lifetimes, idle_limits = limits["absolute"], limits["idle"]
    if role != "client":
        lifetime = lifetimes["staff"]
    elif remembered:
        lifetime = lifetimes["remembered"]
    else:
        lifetime = lifetimes["client"]
    # A remembered session is bound by its lifetime alone: she opens the portal once a day.
    if remembered and role == "client":
        idle_limit = lifetime
    else:
        idle_limit = idle_limits.get(role, lifetimes["staff"])
    # Idle first: when both hold, "you were away a while" is the reason she recognises.
    if now - last_seen_at > idle_limit:
        return "idle"
    if now - created_at > lifetime:
        return "expired"
    return None


def configured_limits() -> dict:
    """Return the lifetimes and idle limits in force, defaults overridden by the config."""
    return {
        "absolute": SESSION_LIFETIMES | current_app.config.get("SESSION_LIFETIMES", {}),
        "idle": IDLE_LIMITS | current_app.config.get("IDLE_LIMITS", {}),
    }


def is_live(row: UserSession, role: str, now: datetime, limits: dict) -> bool:
    """Tell whether a session row still opens the account."""
    return row.revoked_at is None and not session_end(
        role, row.remembered, created_at=row.created_at, last_seen_at=row.last_seen_at,
        now=now, limits=limits,
    )


# --- starting and ending sessions (services: they flush, the view commits) ----------------


def start_session(
    user: User, *, remember: bool, user_agent: str | None, address: str | None
) -> tuple[str, UserSession]:
    """Store a new session for a user; return its cookie id (only the hash is kept) and row.

    Her sessions begun longer ago than the longest lifetime have ended whatever their state:
    they go now, so addresses and devices are not kept for longer than they are of use.
    """
    longest = max(configured_limits()["absolute"].values())
    db.session.execute(
        sa.delete(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.created_at < datetime.now(UTC) - longest,
        )
    )
    token, token_hash = new_token()
    browser, system = describe_device(user_agent)
    row = UserSession(
        user_id=user.id,
        token_hash=token_hash,
        # Staff always get the short lifetime, whatever box was ticked.
        remembered=bool(remember) and user.is_client,
        browser=browser,
        system=system,
        ip_address=address,
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def revoke_session(row: UserSession) -> int:
    """End one session; return 1 if it was still open, else 0."""
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == row.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def revoke_sessions(user: User, *, keep: UserSession | None = None) -> int:
    """End every open session of an account (but `keep`); return how many were ended."""
    query = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(
        query.values(revoked_at=datetime.now(UTC)).execution_options(
            synchronize_session="fetch"
        )
    )
    return result.rowcount


def live_sessions(user: User) -> list[UserSession]:
    """Return the account's sessions that still open it, most recently used first."""
    rows = db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    now, limits = datetime.now(UTC), configured_limits()
    return [row for row in rows if is_live(row, user.role, now, limits)]


def session_of(user: User, session_id: int) -> UserSession | None:
    """Return one of the account's open sessions by its row id; None for anyone else's."""
    return db.session.scalar(
        sa.select(UserSession).where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            UserSession.revoked_at.is_(None),
        )
    )


# --- the request side --------------------------------------------------------------------------


def sign_in(user: User, *, remember: bool = False) -> UserSession:
    """Start a session for this browser and sign the user in with it."""
    session.clear()  # nothing from before sign-in carries over (session fixation)
    token, row = start_session(
        user,
        remember=remember,
        user_agent=request.headers.get("User-Agent"),
        address=request.remote_addr,
    )
    user.session_token = token
    login_user(user)
    # A remembered session's cookie outlives closing the browser; any other is gone with it.
    session.permanent = row.remembered
    g.user_session = row
    return row


def current_session() -> UserSession | None:
    """Return the session row of this request's signed-in user, if any."""
    return g.get("user_session")


def load_user(session_id: str) -> User | None:
    """Return the user of a live session id (from the cookie), in one query with her profile."""
    row = db.session.scalar(_LIVE_SESSION, {"token_hash": hash_token(session_id)})
    if row is None:
        return None
    user = row.user
    ended = session_end(
        user.role,
        row.remembered,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        now=datetime.now(UTC),
        limits=configured_limits(),
    )
    if ended is not None:
        g.session_ended = ended  # the before-request check signs her out and says why
        return None
    user.session_token = session_id
    g.user_session = row
    return user


def touch(row: UserSession | None) -> None:
    """Move the session's idle clock on (at most once a minute) and note her address."""
    now = datetime.now(UTC)
    if row is None or now - row.last_seen_at < LAST_SEEN_RESOLUTION:
        return
    db.session.execute(
        _TOUCH, {"session_id": row.id, "now": now, "address": request.remote_addr}
    )
    # Committed at once, like a page view's log entry: a page that writes nothing else has
    # no commit of its own. The rows already loaded (her user, profile) stay loaded.
    sa_session = db.session()
    sa_session.expire_on_commit = False
    try:
        sa_session.commit()
    finally:
        sa_session.expire_on_commit = True
    # What the database now holds: set as loaded, so no flush writes them a second time.
    set_committed_value(row, "last_seen_at", now)
    set_committed_value(row, "ip_address", request.remote_addr)


# Every request of a signed-in person runs this, built once: the session, its user and her
# profile (every client page reads it) in one query.
_LIVE_SESSION = (
    sa.select(UserSession)
    .join(UserSession.user)
    .options(contains_eager(UserSession.user).joinedload(User.profile))
    .where(
        UserSession.token_hash == sa.bindparam("token_hash"),
        UserSession.revoked_at.is_(None),
        User.active.is_(True),
    )
)
_TOUCH = (
    sa.update(UserSession.__table__)
    .where(UserSession.__table__.c.id == sa.bindparam("session_id"))
    .values(last_seen_at=sa.bindparam("now"), ip_address=sa.bindparam("address"))
)


def init_login_manager(login_manager: LoginManager) -> None:
    """Point Flask-Login at our loader and login page."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
