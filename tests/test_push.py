"""Push reminders with real parts: a push service on loopback, real encryption, real VAPID.

The test plays the browser (its own P-256 key pair and auth secret, as PushManager makes them)
and the push service (an HTTP server on 127.0.0.1 that records what arrives). The worker's
delivery sends through pywebpush; the test decrypts the body with http_ece and the
subscription's private key, and checks the VAPID token the way a push service does.
"""

import base64
import json
import os
import threading
import time as clock
from datetime import UTC, datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from portal import push
from portal.checkins.services import send_reminders
from portal.extensions import db
from portal.models import PushMessage, PushSubscription
from tests.conftest import csrf_token


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A push service on loopback: records each request and answers with `status`."""

    def __init__(self):
        self.received: list[dict] = []
        self.status = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the http.server name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append(
                    {"path": self.path, "body": body,
                     "headers": {name.lower(): value for name, value in self.headers.items()}}
                )
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


class Browser:
    """What PushManager.subscribe() makes: a key pair and an auth secret, kept by the browser."""

    def __init__(self, endpoint: str):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.subscription = {
            "endpoint": endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def mother(make):
    client = make.client(practitioner=make.practitioner(), reminder_enabled=True,
                         reminder_time=time(0, 0))
    client.locale = "nl"
    db.session.commit()
    return client


def test_a_reminder_reaches_her_phone_encrypted_and_signed(app, mother, push_service, outbox):
    browser = Browser(f"{push_service.url}/push/device-1")
    push.subscribe(mother, browser.subscription)
    db.session.commit()
    assert send_reminders(datetime.now(UTC)) == 1
    db.session.commit()
    assert push_service.received == []  # no request waits on a push service: the worker sends
    assert push.deliver_pushes() == 1
    (request,) = push_service.received
    assert request["path"] == "/push/device-1"
    # Only the phone can read it, and it says nothing about her health.
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert browser.decrypt(request["body"]) == {"title": "Tijd voor uw check-in", "url": "/me/"}
    assert int(request["headers"]["ttl"]) > 0
    # Signed with this installation's VAPID key, for this push service, for a limited time.
    authorization = request["headers"]["authorization"]
    assert Vapid02.verify(authorization)
    parts = dict(part.split("=", 1) for part in authorization.split(" ", 1)[1].split(","))
    assert parts["k"] == push.public_key()
    claims = json.loads(unb64url(parts["t"].split(".")[1]))
    assert claims["aud"] == push_service.url
    assert claims["sub"] == f"mailto:{app.config['PRACTICE_EMAIL']}"
    assert clock.time() < claims["exp"] <= clock.time() + 24 * 3600
    # E-mail stays a choice beside it; delivered once, a push is not sent again.
    assert [message.kind for message in outbox] == ["reminder"]
    assert push.deliver_pushes() == 0
    assert len(push_service.received) == 1


def test_a_device_the_push_service_calls_gone_is_forgotten(mother, push_service):
    browser = Browser(f"{push_service.url}/push/old-phone")
    push.subscribe(mother, browser.subscription)
    db.session.commit()
    push.queue_push(mother, "Tijd voor uw check-in", "/me/")
    db.session.commit()
    push_service.status = 410
    assert push.deliver_pushes() == 0
    assert len(push_service.received) == 1
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(PushMessage.id))) == 0


def test_a_push_service_in_trouble_is_tried_again_later(mother, push_service):
    push.subscribe(mother, Browser(f"{push_service.url}/push/phone").subscription)
    push.queue_push(mother, "Tijd voor uw check-in", "/me/")
    db.session.commit()
    push_service.status = 503
    assert push.deliver_pushes() == 0
    message = db.session.scalar(sa.select(PushMessage))
    assert message.attempts == 1 and message.sent_at is None and message.dead_at is None
    assert message.next_attempt_at > datetime.now(UTC)
    assert "503" in message.last_error
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 1


def test_email_can_be_turned_off_and_push_alone_reminds_her(mother, push_service, outbox):
    mother.profile.reminder_email = False
    push.subscribe(mother, Browser(f"{push_service.url}/push/phone").subscription)
    db.session.commit()
    assert send_reminders(datetime.now(UTC)) == 1
    db.session.commit()
    assert list(outbox) == []
    assert push.deliver_pushes() == 1


def test_queue_push_reaches_every_device_and_no_one_elses(make, mother, push_service):
    other = make.client()
    for name in ("phone", "tablet"):
        push.subscribe(mother, Browser(f"{push_service.url}/push/{name}").subscription)
    push.subscribe(other, Browser(f"{push_service.url}/push/other").subscription)
    db.session.commit()
    assert push.queue_push(mother, "Tijd voor uw check-in", "/me/") == 2
    db.session.commit()
    assert push.deliver_pushes() == 2
    assert sorted(request["path"] for request in push_service.received) == [
        "/push/phone", "/push/tablet"]


def test_the_vapid_key_is_made_once_in_the_instance_folder(app, tmp_path):
    app.config.update(VAPID_PRIVATE_KEY=None, VAPID_KEY_FILE=str(tmp_path / "vapid.pem"))
    app.extensions.pop("vapid", None)
    first = push.public_key()
    assert (tmp_path / "vapid.pem").stat().st_mode & 0o777 == 0o600
    app.extensions.pop("vapid", None)  # a restart reads the same key
    assert push.public_key() == first
    app.extensions.pop("vapid", None)


def _post_json(test_client, url, body):
    token = csrf_token(test_client, "/me/")
    return test_client.post(url, json=body, headers={"X-CSRFToken": token})


def test_she_turns_notifications_on_and_off_for_one_device(login_as, make, push_service):
    test_client, client = login_as("client", user=make.client(practitioner=make.practitioner()))
    page = test_client.get("/me/").get_data(as_text=True)
    assert push.public_key() in page  # the key her browser subscribes with
    browser = Browser(f"{push_service.url}/push/phone")
    response = _post_json(test_client, "/me/push/subscribe", browser.subscription)
    assert response.status_code == 200
    subscription = db.session.scalar(sa.select(PushSubscription))
    assert subscription.user_id == client.id
    endpoint = browser.subscription["endpoint"]
    response = _post_json(test_client, "/me/push/unsubscribe", {"endpoint": endpoint})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0


@pytest.mark.parametrize("body", [
    None, [], "x", {"endpoint": "javascript:alert(1)", "keys": {"p256dh": "a", "auth": "b"}},
    {"endpoint": "https://push.example/x", "keys": {"p256dh": "not-a-key", "auth": "AAAA"}},
    {"endpoint": "https://push.example/" + "x" * 2000, "keys": {}},
])
def test_a_subscription_a_browser_could_not_make_changes_nothing(login_as, body):
    test_client, _client = login_as("client")
    response = _post_json(test_client, "/me/push/subscribe", body)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count(PushSubscription.id))) == 0
