"""Sign-in limits: failures only, a growing wait per account, a hard limit per address, Redis.

What a person notices: her own good sign-ins never count; five wrong passwords make the account
wait (1 s, doubling, capped) instead of locking the owner out for 15 minutes; one address that
sprays passwords is stopped; a Redis outage never stops a sign-in, and the limits still hold.
"""

import json
import logging
import os
import re
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import redis
from argon2 import PasswordHasher

from config import ProductionConfig, TestingConfig
from portal import create_app
from portal.auth import throttle
from portal.extensions import limiter
from portal.i18n import LOCALE_COOKIE
from tests.conftest import PASSWORD, BrowserClient, post_form

ROOT = Path(__file__).resolve().parent.parent
REDIS_URI = "redis://127.0.0.1:6379/14"
WAIT_RE = re.compile(r"Please wait (\d+) seconds?")


def attempt(app, email: str, password: str, address: str):
    """Post the sign-in form from a fresh browser (no shared cookie) at an address, in English."""
    browser = app.test_client()
    browser.set_cookie(LOCALE_COOKIE, "en")
    return post_form(
        browser,
        "/login",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def waited_seconds(response) -> int:
    """Return the N of "Please wait N seconds" on a refused page."""
    match = WAIT_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:2000]
    return int(match.group(1))


def let_the_wait_pass(email: str) -> None:
    """Stand in for the clock: end the account's current wait as if its seconds had passed."""
    limiter.limiter.storage.clear(throttle.key("wait", email))


@pytest.fixture
def argon2_work(monkeypatch):
    """Count argon2 hashes and verifications (each costs tens of milliseconds of a worker)."""
    calls = []
    real_verify, real_hash = PasswordHasher.verify, PasswordHasher.hash

    def verify(self, *args, **kwargs):
        calls.append("verify")
        return real_verify(self, *args, **kwargs)

    def hash_(self, *args, **kwargs):
        calls.append("hash")
        return real_hash(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    monkeypatch.setattr(PasswordHasher, "hash", hash_)
    return calls


# --- the schedule, as a pure rule -----------------------------------------------------------


def test_the_wait_starts_after_five_failures_doubles_from_one_second_and_is_capped():
    waits = [throttle.delay_after(n, first=1, cap=60) for n in range(1, 15)]
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60, 60]
    assert throttle.delay_after(500, first=1, cap=60) == 60


# --- failures only --------------------------------------------------------------------------


def test_good_sign_ins_never_count(app, make):
    user = make.client()
    statuses = [attempt(app, user.email, PASSWORD, "198.51.100.20").status_code for _ in range(12)]
    assert statuses == [302] * 12


def test_a_good_sign_in_forgets_the_failures_before_it(app, make):
    user = make.client()
    for n in range(4):
        assert attempt(app, user.email, "wrong password!", f"10.4.0.{n}").status_code == 422
    assert attempt(app, user.email, PASSWORD, "10.4.0.9").status_code == 302
    # Four more typing errors later that day are again free: the run of failures was broken.
    for n in range(4):
        assert attempt(app, user.email, "wrong password!", f"10.4.1.{n}").status_code == 422
    assert attempt(app, user.email, PASSWORD, "10.4.1.9").status_code == 302


# --- per account: a growing wait, never a lockout -------------------------------------------


@pytest.fixture
def app_config():
    # A first wait long enough that a slow machine cannot outrun it; the clock is let_the_wait_pass.
    return {"LOGIN_FIRST_DELAY_SECONDS": 30}


def test_five_wrong_passwords_make_the_account_wait_not_lock_the_owner_out(app, make, argon2_work):
    user = make.practitioner()
    statuses = [
        attempt(app, user.email, "wrong password!", f"10.5.0.{n}").status_code for n in range(5)
    ]
    assert statuses == [422] * 5

    # The owner, from her own address with the right password, is asked to wait a little...
    argon2_work.clear()
    refused = attempt(app, user.email, PASSWORD, "192.0.2.44")
    assert refused.status_code == 429
    assert 1 <= waited_seconds(refused) <= 30
    assert int(refused.headers["Retry-After"]) <= 30
    assert 'name="password"' in refused.get_data(as_text=True), "the form is there to try again"
    # ... quickly: the refusal checks no password.
    assert argon2_work == []

    # ... and once the wait is over she is in: no 15-minute lockout.
    let_the_wait_pass(user.email)
    assert attempt(app, user.email, PASSWORD, "192.0.2.44").status_code == 302


def test_each_further_failure_doubles_the_wait(app, make):
    user = make.client()
    for n in range(5):
        attempt(app, user.email, "wrong password!", f"10.6.0.{n}")
    assert waited_seconds(attempt(app, user.email, PASSWORD, "10.6.1.1")) == 30
    let_the_wait_pass(user.email)
    assert attempt(app, user.email, "wrong again!!", "10.6.1.2").status_code == 422
    assert waited_seconds(attempt(app, user.email, PASSWORD, "10.6.1.3")) == 60
    let_the_wait_pass(user.email)
    assert attempt(app, user.email, "wrong again!!", "10.6.1.4").status_code == 422
    # Capped (LOGIN_MAX_DELAY_SECONDS): the owner never waits longer than this.
    assert waited_seconds(attempt(app, user.email, PASSWORD, "10.6.1.5")) == 60


def test_an_unknown_address_waits_the_same_as_a_real_one(app, make):
    """The wait must not tell whether an account exists."""
    user = make.client()
    pages = {}
    for email in (user.email, "nobody-here@example.test"):
        for n in range(5):
            attempt(app, email, "wrong password!", f"10.7.{len(pages)}.{n}")
        pages[email] = attempt(app, email, "wrong password!", "10.7.9.9")
    assert [page.status_code for page in pages.values()] == [429, 429]


# --- per address: a hard limit against password spraying -----------------------------------


def test_one_address_spraying_passwords_is_stopped(app, make):
    user = make.client()
    sprayed = [
        attempt(app, f"guess{n}@example.test", "Summer2026!!", "203.0.113.50").status_code
        for n in range(10)
    ]
    assert sprayed == [422] * 10
    # The eleventh attempt from that address is refused, even with a right password ...
    assert attempt(app, user.email, PASSWORD, "203.0.113.50").status_code == 429
    # ... while the owner elsewhere is not bothered.
    assert attempt(app, user.email, PASSWORD, "198.51.100.7").status_code == 302


# --- Redis: down, and shared between workers ------------------------------------------------


def _free_port() -> int:
    """Return a local port that nothing listens on (bound once, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down_app(app):
    """A second app on the same database whose limit storage is a Redis that is not running."""
    other = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_free_port()}/0",
        LOGIN_FIRST_DELAY_SECONDS=30,
    )
    other.test_client_class = BrowserClient
    yield other
    # The limiter is one shared instance per process: tell it the outage is over, so later tests
    # in this process start from the storage their own app configures.
    limiter._storage_dead = False


def test_with_redis_down_sign_in_works_and_the_log_says_why(redis_down_app, make, caplog):
    user = make.client()
    with caplog.at_level(logging.WARNING):
        response = attempt(redis_down_app, user.email, PASSWORD, "198.51.100.30")
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/"
    assert "falling back to in-memory storage" in caplog.text


def test_with_redis_down_wrong_passwords_are_still_limited(redis_down_app, make):
    user = make.client()
    sprayed = [
        attempt(redis_down_app, f"guess{n}@example.test", "Summer2026!!", "203.0.113.60")
        for n in range(11)
    ]
    assert [r.status_code for r in sprayed] == [422] * 10 + [429]
    for n in range(5):
        attempt(redis_down_app, user.email, "wrong password!", f"10.8.0.{n}")
    assert attempt(redis_down_app, user.email, PASSWORD, "10.8.1.1").status_code == 429
    other = attempt(redis_down_app, "fine@example.test", "not it at all", "10.8.1.2")
    assert other.status_code == 422


WORKER = textwrap.dedent(
    """
    import json, re, sys
    from config import TestingConfig
    from portal import create_app

    url, overrides, attempts = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, **overrides)
    statuses = []
    for email, password, address in attempts:
        browser = app.test_client()
        page = browser.get("/help").get_data(as_text=True)
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
        response = browser.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            environ_base={"REMOTE_ADDR": address},
        )
        statuses.append(response.status_code)
    print(json.dumps(statuses))
    """
)


def _worker(app, overrides: dict, attempts: list[tuple[str, str, str]]) -> list[int]:
    """Run sign-in attempts in another process, as another gunicorn worker would."""
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER,
            app.config["SQLALCHEMY_DATABASE_URI"],
            json.dumps(overrides),
            json.dumps(attempts),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.fixture
def shared_redis():
    """The local Redis (database 14), under a key prefix of this run only; skipped without it."""
    connection = redis.Redis.from_url(REDIS_URI, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"test-limits-{uuid.uuid4().hex[:12]}"
    yield connection, prefix
    for name in connection.scan_iter(match=f"*{prefix}*"):
        connection.delete(name)


def test_two_workers_share_the_counts_through_redis(app, make, shared_redis):
    connection, prefix = shared_redis
    user = make.client()
    overrides = {
        "RATELIMIT_STORAGE_URI": REDIS_URI,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_FIRST_DELAY_SECONDS": 30,
    }
    first = _worker(
        app,
        overrides,
        [(user.email, "wrong password!", f"10.9.0.{n}") for n in range(5)]
        + [(f"guess{n}@example.test", "Summer2026!!", "203.0.113.70") for n in range(10)],
    )
    assert first == [422] * 15
    assert list(connection.scan_iter(match=f"*{prefix}*")), "the counts should live in Redis"
    second = _worker(
        app,
        overrides,
        [
            (user.email, PASSWORD, "192.0.2.80"),  # the account waits, whichever worker asks
            ("guess99@example.test", "Summer2026!!", "203.0.113.70"),  # the address is stopped
            (user.email, "wrong password!", "192.0.2.81"),
        ],
    )
    assert second == [429, 429, 429]


# --- production refuses counts that each worker keeps alone ---------------------------------


@pytest.fixture
def production_env(monkeypatch):
    for name, value in {
        "SECRET_KEY": "a-long-random-production-secret-0123456789",
        "DATABASE_URL": "postgresql+psycopg://portal@/portal",
        "TOTP_ENCRYPTION_KEY": "another-long-random-production-secret-0123",
        "PRACTICE_PHONE": "020-765 43 21",
        "HUISARTSENPOST_PHONE": "0900-765 43 21",
        "PORTAL_ENV": "production",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("RATELIMIT_ALLOW_MEMORY", raising=False)
    return monkeypatch


@pytest.mark.parametrize("storage", [None, "memory://"])
def test_production_refuses_memory_limits_at_start(production_env, storage):
    if storage:
        production_env.setenv("RATELIMIT_STORAGE_URI", storage)
    with pytest.raises(RuntimeError) as refused:
        create_app()
    message = str(refused.value)
    assert "RATELIMIT_STORAGE_URI" in message and "RATELIMIT_ALLOW_MEMORY=1" in message


@pytest.mark.parametrize(
    "settings",
    [
        {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"},
        {"RATELIMIT_ALLOW_MEMORY": "1"},
        {"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ALLOW_MEMORY": "1"},
    ],
)
def test_production_accepts_redis_or_one_declared_worker(production_env, settings):
    for name, value in settings.items():
        production_env.setenv(name, value)
    ProductionConfig.check()
