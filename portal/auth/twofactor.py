"""Two-factor sign-in: TOTP secrets encrypted at rest, replay-proof codes, hashed recovery codes.

The sign-in is two steps. After the password, the session only holds a pending marker (who, a
mark of her password, since when); the person is signed in once a code from the authenticator app
or an unused recovery code is accepted; five wrong codes end the pending sign-in (auth.throttle
keeps the count). Each recovery code is stored as an argon2 hash with a keyed lookup beside it, so
an attempt checks at most one hash. Practitioners and administrators must enrol before they can
reach any other page (see require_enrolment); for clients it is optional.
"""

import base64
import hashlib
import hmac
import re
import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app, redirect, request, session, url_for
from flask_login import current_user

from portal.extensions import db
from portal.models import RecoveryCode, Role, User
from portal.passwords import hash_password, verify_password

STEP_SECONDS = 30
# One step either side absorbs a phone clock that is a little off.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 5 * 60
# Wrong codes one pending sign-in allows; then she starts again with her password.
WRONG_CODES_PER_SIGN_IN = 5
# Hex digits of the keyed lookup kept beside each recovery code's hash: 32 bits find the row and
# leave the other ~17 bits of the code to argon2, so lookups and key together give a thief no
# cheap way to the codes.
LOOKUP_LENGTH = 8
REQUIRED_ROLES = frozenset({Role.PRACTITIONER.value, Role.ADMIN.value})
# Pages a practitioner who has not enrolled yet may still open.
ENROLMENT_ENDPOINTS = frozenset(
    {"static", "auth.two_factor_setup", "auth.logout", "auth.set_language", "public.help_now"}
)
# The fixed secret of the demo practitioner and admin accounts (`flask seed-demo`), documented
# in the README; never used for any other account.
DEMO_SECRET = "PORTALDEMOTOTPSECRETXXXXXXXXXXXX"


# --- encryption of the secret -------------------------------------------------------------


def _fernet() -> Fernet:
    """Return the cipher for TOTP secrets, keyed by TOTP_ENCRYPTION_KEY (else SECRET_KEY)."""
    material = current_app.config.get("TOTP_ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"portal-totp", info=b"totp-secret-v1"
    ).derive(material.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str) -> str:
    """Return the secret encrypted for storage."""
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def decrypt_secret(token: str) -> str | None:
    """Return the stored secret in clear, or None when the key no longer fits."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        current_app.logger.error("a TOTP secret could not be decrypted: was the key changed?")
        return None


# --- enrolment ------------------------------------------------------------------------------


def enrolment_required(user: User) -> bool:
    """Tell whether this account must use two-factor sign-in."""
    if user.role not in REQUIRED_ROLES:
        return False
    return bool(current_app.config["TWO_FACTOR_REQUIRED"])


def pending_secret(user: User) -> str:
    """Return the secret being set up, creating one on first use (kept until confirmed)."""
    if user.totp_enabled:
        raise ValueError("two-factor sign-in is already on")
    secret = decrypt_secret(user.totp_secret_encrypted) if user.totp_secret_encrypted else None
    if secret is None:
        secret = pyotp.random_base32()
        user.totp_secret_encrypted = encrypt_secret(secret)
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    """Return the otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["PRACTICE_NAME"]
    )


def qr_data_uri(uri: str) -> str:
    """Draw the QR code on the server as an SVG data URI for an <img>."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """Return the secret in groups of four for typing it in by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Switch two-factor on if the code fits the pending secret; return new recovery codes."""
    if user.totp_enabled or not user.totp_secret_encrypted:
        return None
    if not accept_totp(user, code):
        return None
    user.totp_enabled = True
    return new_recovery_codes(user)


def enable_with_secret(user: User, secret: str) -> None:
    """Enrol an account with a given secret (the demo accounts; no recovery codes)."""
    user.totp_secret_encrypted = encrypt_secret(secret)
    user.totp_enabled = True
    user.totp_last_step = None


def disable(user: User) -> None:
    """Switch two-factor off and forget the secret and recovery codes."""
    user.totp_enabled = False
    user.totp_secret_encrypted = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# --- codes ----------------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    """Drop spaces and hyphens and lower-case what a person typed."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def current_step(now: float | None = None) -> int:
    """Return the number of the current 30-second time step."""
    return int(now if now is not None else time.time()) // STEP_SECONDS


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    totp = pyotp.TOTP(secret)
    step = current_step(now)
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.at(candidate * STEP_SECONDS), code):
            return candidate
    return None


def accept_totp(user: User, code: str, now: float | None = None) -> bool:
    """Accept a TOTP code once: a code of a step already used (or earlier) is refused."""
    code = normalise_code(code)
    if not re.fullmatch(r"\d{6}", code) or not user.totp_secret_encrypted:
        return False
    secret = decrypt_secret(user.totp_secret_encrypted)
    if secret is None:
        return False
    step = _matching_step(secret, code, now)
    if step is None:
        return False
    # A conditional update, so two requests racing with the same code cannot both win.
    result = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def recovery_lookup(code: str) -> str:
    """Return the keyed lookup of a normalised recovery code (an HMAC under SECRET_KEY)."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"portal-recovery", info=b"code-lookup-v1"
    ).derive(current_app.config["SECRET_KEY"].encode("utf-8"))
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()[:LOOKUP_LENGTH]


def new_recovery_codes(user: User) -> list[str]:
    """Replace the account's recovery codes with ten new ones; return them in clear once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes, lookups = [], set()
    while len(codes) < RECOVERY_CODE_COUNT:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        lookup = recovery_lookup(raw)
        if lookup in lookups:
            continue  # one code per lookup, so an attempt never needs two argon2 checks
        lookups.add(lookup)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(
            RecoveryCode(user_id=user.id, code_hash=hash_password(raw), code_lookup=lookup)
        )
    db.session.flush()
    return codes


def _accept_recovery_code(user: User, code: str) -> bool:
    code = normalise_code(code)
    if not re.fullmatch(f"[{RECOVERY_ALPHABET}]{{10}}", code):
        return False
    candidates = db.session.scalars(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.used_at.is_(None),
            # At most one code has this lookup. Codes made before the lookup existed have none:
            # they still work, at their old cost, until she makes new ones.
            sa.or_(
                RecoveryCode.code_lookup == recovery_lookup(code),
                RecoveryCode.code_lookup.is_(None),
            ),
        )
    ).all()
    for recovery in candidates:
        if verify_password(recovery.code_hash, code):
            result = db.session.execute(
                sa.update(RecoveryCode)
                .where(RecoveryCode.id == recovery.id, RecoveryCode.used_at.is_(None))
                .values(used_at=datetime.now(UTC))
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1
    return False


def unused_recovery_codes(user: User) -> int:
    """Count the recovery codes the account has left."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def verify_code(user: User, code: str) -> str | None:
    """Check a sign-in code; return "totp" or "recovery_code" for what was used, else None."""
    if not user.totp_enabled:
        return None
    if accept_totp(user, code):
        return "totp"
    if _accept_recovery_code(user, code):
        return "recovery_code"
    return None


# --- the pending sign-in --------------------------------------------------------------------


def start_pending(user: User, next_url: str | None, *, remember: bool = False) -> None:
    """Remember that the password was right; the person is not signed in yet."""
    session.clear()
    session[PENDING_KEY] = {
        # Names this sign-in's count of wrong codes, kept on the server: an old cookie cannot
        # bring the tries back.
        "id": secrets.token_urlsafe(16),
        "user_id": user.id,
        "password_mark": _password_mark(user),
        "since": int(time.time()),
        "next": next_url,
        "remember": bool(remember),
    }


def _password_mark(user: User) -> str:
    """Return a keyed digest of the password hash: a new password voids a pending sign-in."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()


def pending_user() -> tuple[User, str | None, bool] | None:
    """Return the account waiting for its code, where to go next and "stay signed in"."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("since", 0) > PENDING_SECONDS:
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(_password_mark(user), str(pending.get("password_mark", ""))):
        return None
    return user, pending.get("next"), bool(pending.get("remember"))


def pending_id() -> str:
    """Return the id of the pending sign-in (its user and start for one begun before ids)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return ""
    return str(pending.get("id") or f"{pending.get('user_id')}:{pending.get('since')}")


def clear_pending() -> None:
    """Forget the pending sign-in."""
    session.pop(PENDING_KEY, None)


# --- the enrolment gate ---------------------------------------------------------------------


def require_enrolment():
    """Send a signed-in practitioner or admin without two-factor to its set-up page first."""
    if request.endpoint in ENROLMENT_ENDPOINTS or not current_user.is_authenticated:
        return None
    if current_user.totp_enabled or not enrolment_required(current_user):
        return None
    return redirect(url_for("auth.two_factor_setup"))


def init_app(app: Flask) -> None:
    """Install the enrolment gate (after the idle time-out, so a stale session ends first)."""
    app.before_request(require_enrolment)
