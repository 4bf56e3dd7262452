"""Flask-Login wiring: sessions carry the user's session version so they can be revoked."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import User


def load_user(session_id: str) -> User | None:
    """Return the user for a session id "<user id>:<session version>", if still valid."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.scalar(_USER_WITH_PROFILE, {"user_id": int(user_id)})
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


# Every request of a signed-in person runs this, built once. Every client page reads her
# profile (paused collection, reminders): it comes in the same query, not a second one.
_USER_WITH_PROFILE = (
    sa.select(User).options(joinedload(User.profile)).where(User.id == sa.bindparam("user_id"))
)


def init_login_manager(login_manager: LoginManager) -> None:
    """Point Flask-Login at our loader and login page."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
