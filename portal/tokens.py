"""Single-use secret tokens for links in e-mails; only their hash is stored."""

import hashlib
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.extensions import db


def new_token() -> tuple[str, str]:
    """Return a fresh URL-safe token and the hash to store for it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def live_row(model, token: str):
    """Return the row of a model (token_hash, used_at, expires_at) a link's token opens.

    None when no row has the token, or it was used, or it has expired.
    """
    row = db.session.scalar(sa.select(model).where(model.token_hash == hash_token(token)))
    if row is None or row.used_at is not None or row.expires_at <= datetime.now(UTC):
        return None
    return row
