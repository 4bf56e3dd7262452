"""Sign-in limits shared by every worker: only failures count, and they slow an account down.

- Per address, a hard limit (LOGIN_LIMIT, a Flask-Limiter limit on both sign-in steps): wrong
  passwords and wrong codes from one address, together, against password spraying.
- Per account, a growing wait: after LOGIN_FREE_FAILURES wrong passwords or codes in a row,
  each attempt must wait LOGIN_FIRST_DELAY_SECONDS, doubling with every further failure, capped
  at LOGIN_MAX_DELAY_SECONDS. An attacker slows the owner down; he never locks her out. An
  attempt that comes too early is refused at once, before any password is checked, so no worker
  sleeps. A complete sign-in forgets the failures.
- Two-step: a pending sign-in allows five wrong codes, then she starts again with her password.

Only failures count: a good sign-in never uses up anything. The counts live in the limiter's
storage (Redis in production), so every worker sees them; while that storage is down
Flask-Limiter counts in memory instead, and so do these.
"""

import hashlib
import math
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g
from flask.wrappers import Response
from limits.storage import Storage

from portal.extensions import limiter

# A run of failures is remembered for a day from its first; a complete sign-in ends it sooner.
FAILURE_MEMORY_SECONDS = 24 * 3600
# Longer than a pending two-step sign-in lives (twofactor.PENDING_SECONDS).
PENDING_MEMORY_SECONDS = 10 * 60

T = TypeVar("T")


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _failed(_response: Response) -> bool:
    return bool(g.get("sign_in_failed"))


# One budget per address for both steps; checked before the view, used up only by failures.
address_limit = limiter.shared_limit(
    _login_limit, scope="sign-in", methods=["POST"], deduct_when=_failed
)


def delay_after(failures: int, *, first: int, cap: int, free: int = 5) -> int:
    """Return the seconds an account waits after this many wrong attempts in a row."""
    if failures < free:
        return 0
    # The exponent is bounded so that a long attack cannot build a huge number.
    return min(first * 2 ** min(failures - free, 32), cap)


def key(kind: str, identity: str) -> str:
    """Return the storage key of one sign-in count (hashed: no e-mail address in Redis)."""
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    return f"{prefix}/sign-in/{kind}/{digest}"


def _with_storage(work: Callable[[Storage], T], default: T) -> T:
    """Run work on the limiter's storage; if it fails mid-request, sign-in goes on without it."""
    if not limiter.enabled:
        return default
    try:
        # While the shared storage is down this is Flask-Limiter's in-memory fallback.
        return work(limiter.limiter.storage)
    except Exception:  # any backend's error: a count is not worth a failed sign-in
        current_app.logger.warning("sign-in counts skipped: limit storage failed", exc_info=True)
        return default


def wait_seconds(account: str) -> int:
    """Return how long the account must still wait before its next attempt (0: go ahead)."""

    def remaining(storage: Storage) -> int:
        wait_key = key("wait", account)
        if storage.get(wait_key) <= 0:
            return 0
        return max(1, math.ceil(storage.get_expiry(wait_key) - time.time()))

    return _with_storage(remaining, 0)


def record_failure(account: str) -> int:
    """Count a wrong password or code for the account and the address; return the account's run."""
    g.sign_in_failed = True
    config = current_app.config

    def count(storage: Storage) -> int:
        failures = storage.incr(key("failures", account), FAILURE_MEMORY_SECONDS)
        delay = delay_after(
            failures,
            first=config["LOGIN_FIRST_DELAY_SECONDS"],
            cap=config["LOGIN_MAX_DELAY_SECONDS"],
            free=config["LOGIN_FREE_FAILURES"],
        )
        if delay:
            wait_key = key("wait", account)
            # A fresh key, so that its expiry is this failure's delay.
            storage.clear(wait_key)
            storage.incr(wait_key, delay)
        return failures

    return _with_storage(count, 0)


def forget_failures(account: str) -> None:
    """End the account's run of failures after a complete sign-in."""

    def clear(storage: Storage) -> None:
        storage.clear(key("failures", account))
        storage.clear(key("wait", account))

    _with_storage(clear, None)


def wrong_codes(sign_in: str) -> int:
    """Return how many wrong codes this pending two-step sign-in has had."""
    return _with_storage(lambda storage: storage.get(key("codes", sign_in)), 0)


def record_wrong_code(sign_in: str) -> int:
    """Count a wrong code for this pending two-step sign-in; return how many so far."""
    return _with_storage(
        lambda storage: storage.incr(key("codes", sign_in), PENDING_MEMORY_SECONDS), 0
    )
