"""Web Push: a small service any part of the portal calls to remind someone on her phone.

`queue_push(user, title, link)` is all a feature needs (the check-in reminder uses it; so can
appointment reminders): it writes one row per device she turned notifications on for, in the
caller's transaction, like an e-mail in the outbox. The worker delivers them
(`deliver_pushes`), signed with this installation's VAPID key and encrypted for the device
(pywebpush, RFC 8291/8292), with retries; a device the push service no longer knows (404 or
410) is forgotten. A push holds a short title and a link, never health data: what the
notification says can be read on a locked screen.

The VAPID key comes from VAPID_PRIVATE_KEY (base64url of the raw key or of its DER) when set,
which a deployment of several hosts needs; otherwise it is made once in instance/vapid_private.pem
(mode 0600) and kept: a new key would silently end every subscription.
"""

import base64
import binascii
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from portal.extensions import db
from portal.instance_secret import write_once
from portal.models import PushMessage, PushSubscription, User
from portal.outbox import retry_delay

log = logging.getLogger(__name__)

KEY_FILE = "vapid_private.pem"
BATCH_SIZE = 50
TIMEOUT_SECONDS = 10
# A reminder that arrives a day late is no reminder: the push service may drop it after that.
TTL_SECONDS = 12 * 60 * 60
GONE = (404, 410)


class BadSubscription(ValueError):
    """A subscription a browser could not have made: nothing is stored."""


def vapid_key(app: Flask | None = None) -> Vapid02:
    """Return this installation's VAPID key (from the environment, or made once in instance/)."""
    app = app or current_app._get_current_object()
    cached = app.extensions.get("vapid")
    if cached is not None:
        return cached
    configured = (app.config.get("VAPID_PRIVATE_KEY") or "").strip()
    if configured:
        key = Vapid02.from_string(configured)
    else:
        path = Path(app.config.get("VAPID_KEY_FILE") or Path(app.instance_path) / KEY_FILE)
        if not path.exists():
            fresh = Vapid02()
            fresh.generate_keys()
            path.parent.mkdir(parents=True, exist_ok=True)
            write_once(path, fresh.private_pem().decode("ascii").strip())
        key = Vapid02.from_pem(path.read_bytes().strip())
    app.extensions["vapid"] = key
    return key


def public_key() -> str:
    """Return the key a browser subscribes with (applicationServerKey), base64url."""
    raw = vapid_key().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64_length(value: str) -> int:
    try:
        return len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        return -1


def check_subscription(data) -> tuple[str, str, str]:
    """Return (endpoint, p256dh, auth) from a browser's PushSubscription JSON, or raise."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise BadSubscription("not a push subscription")
    endpoint, keys = data.get("endpoint"), data["keys"]
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not all(isinstance(value, str) for value in (endpoint, p256dh, auth)):
        raise BadSubscription("not a push subscription")
    parts = urlsplit(endpoint)
    allowed = ("https", "http") if current_app.config.get("PUSH_ALLOW_HTTP") else ("https",)
    if len(endpoint) > 1000 or parts.scheme not in allowed or not parts.hostname:
        raise BadSubscription("the endpoint is not a push service address")
    # A P-256 public key (65 bytes, uncompressed) and a 16-byte authentication secret.
    if _b64_length(p256dh) != 65 or _b64_length(auth) != 16:
        raise BadSubscription("the keys are not a push subscription's keys")
    return endpoint, p256dh, auth


def subscribe(user: User, data) -> PushSubscription:
    """Store (or move to this account) the subscription of the device she is using."""
    endpoint, p256dh, auth = check_subscription(data)
    subscription = db.session.scalar(
        sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    )
    # One device, one person: whoever turned it on last on this phone gets its pushes.
    if subscription is None:
        subscription = PushSubscription(endpoint=endpoint, user_id=user.id, p256dh=p256dh,
                                        auth=auth)
        db.session.add(subscription)
    else:
        subscription.user_id, subscription.p256dh, subscription.auth = user.id, p256dh, auth
    return subscription


def unsubscribe(user: User, endpoint) -> bool:
    """Forget one of her devices; return whether there was one."""
    if not isinstance(endpoint, str):
        return False
    return bool(
        db.session.execute(
            sa.delete(PushSubscription).where(
                PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint
            )
        ).rowcount
    )


def has_subscriptions(user: User) -> bool:
    """Return whether any of her devices gets pushes."""
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(PushSubscription.id)).where(
                PushSubscription.user_id == user.id
            )
        )
    )


def queue_push(user: User, title: str, link: str, kind: str = "reminder") -> int:
    """Queue a push to each of her devices, in the caller's transaction; return how many.

    `title` is what the notification says (never health data) and `link` what a tap opens: a
    path on this portal, such as "/me/". The worker sends it; nothing waits on a push service.
    """
    subscriptions = db.session.scalars(
        sa.select(PushSubscription.id).where(PushSubscription.user_id == user.id)
    ).all()
    for subscription_id in subscriptions:
        db.session.add(
            PushMessage(subscription_id=subscription_id, kind=kind, title=title[:200],
                        link=link[:500])
        )
    return len(subscriptions)


def _due(table, now: datetime):
    return sa.and_(
        table.c.sent_at.is_(None),
        table.c.dead_at.is_(None),
        table.c.next_attempt_at <= now,
        sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
    )


def _claim(now: datetime) -> tuple[str, list[int]]:
    """Claim due pushes with a lease, as the e-mail outbox does (portal/outbox.py)."""
    table = PushMessage.__table__
    token = uuid.uuid4().hex
    candidates = sa.select(table.c.id).where(_due(table, now)).order_by(table.c.id)
    candidates = candidates.limit(BATCH_SIZE)
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    lease = now + timedelta(seconds=current_app.config["OUTBOX_CLAIM_SECONDS"])
    ids = db.session.execute(
        sa.update(table)
        .where(table.c.id.in_(candidates.scalar_subquery()), _due(table, now))
        .values(claim_token=token, claimed_until=lease)
        .returning(table.c.id)
    ).scalars().all()
    db.session.commit()
    return token, sorted(ids)


def deliver_pushes() -> int:
    """Send the pushes that are due; return how many were delivered."""
    now = datetime.now(UTC)
    token, ids = _claim(now)
    delivered = 0
    for push_id in ids:
        push = db.session.get(PushMessage, push_id)
        if push is None or push.claim_token != token:
            continue
        subscription = db.session.get(PushSubscription, push.subscription_id)
        status, error = _send(subscription, push)
        if status in GONE:
            # The push service says this device is gone: forget it (its pushes go with it).
            db.session.expunge(push)
            db.session.execute(
                sa.delete(PushMessage).where(PushMessage.subscription_id == subscription.id)
            )
            db.session.execute(
                sa.delete(PushSubscription).where(PushSubscription.id == subscription.id)
            )
            db.session.commit()
            continue
        push.attempts += 1
        push.last_attempt_at = datetime.now(UTC)
        push.claim_token = push.claimed_until = None
        if error is None:
            push.sent_at, push.last_error = push.last_attempt_at, None
            delivered += 1
        else:
            push.last_error = error[:500]
            push.next_attempt_at = push.last_attempt_at + retry_delay(push.attempts)
            give_up = push.created_at + timedelta(hours=current_app.config["OUTBOX_GIVE_UP_HOURS"])
            permanent = status is not None and 400 <= status < 500 and status != 429
            if permanent or push.next_attempt_at > give_up:
                push.dead_at = push.last_attempt_at
                log.error("push %s is dead: %s", push.id, error)
        db.session.commit()  # one commit per push: a delivered one is never sent again
    return delivered


def _send(subscription: PushSubscription, push: PushMessage) -> tuple[int | None, str | None]:
    """Send one push; return (the push service's status if it answered, an error or None)."""
    payload = json.dumps({"title": push.title, "url": push.link}, ensure_ascii=False)
    try:
        response = webpush(
            subscription.info(),
            data=payload,
            vapid_private_key=vapid_key(),
            vapid_claims={"sub": f"mailto:{current_app.config['PRACTICE_EMAIL']}"},
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        return status, f"push service answered {status}: {error}"
    except requests.RequestException as error:
        return None, f"push service unreachable: {type(error).__name__}: {error}"
    return response.status_code, None
