"""`/healthz`: is this instance fit to serve? For monitoring; no sign-in, no personal data.

200 when the database answers, 503 when it does not. Redis (the shared rate-limit store) and the
outbox backlog are reported beside it: neither stops the portal from serving, so neither turns
the answer into a 503, but a monitor should alert on them.
"""

import redis
import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from portal import outbox
from portal.extensions import db

bp = Blueprint("health", __name__)


def database_ok() -> bool:
    """Tell whether the database answers a trivial query."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False


def redis_state() -> str:
    """Return "ok", "unreachable" or "not used" for the rate-limit store."""
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "")
    if not uri.startswith(("redis://", "rediss://")):
        return "not used"
    try:
        redis.Redis.from_url(uri, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
        return "ok"
    except (redis.RedisError, OSError):
        return "unreachable"


@bp.route("/healthz")
def healthz():
    """Report the database, Redis and the outbox backlog as JSON."""
    report = {"database": "ok" if database_ok() else "unreachable", "redis": redis_state()}
    if report["database"] == "ok":
        try:
            stats = outbox.stats()
            report["outbox"] = {
                "queued": stats.queued,
                "retrying": stats.retrying,
                "dead": stats.dead,
                "oldest_waiting_seconds": stats.oldest_waiting_seconds(),
            }
        except SQLAlchemyError:
            db.session.rollback()
            report["database"] = "unreachable"
    report["status"] = "ok" if report["database"] == "ok" else "unavailable"
    response = jsonify(report)
    response.status_code = 200 if report["database"] == "ok" else 503
    response.headers["Cache-Control"] = "no-store"
    return response
