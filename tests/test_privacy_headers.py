"""Headers and transport: CSP and friends, HSTS, ProxyFix, idle time-outs, Redis rate limits."""

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from config import TestingConfig
from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import CSRF_RE, BrowserClient, login, post_form
from tests.test_sessions import age, row_of

ROOT = Path(__file__).resolve().parent.parent
# Database 15 of the local Redis; pytest-xdist workers gw1, gw2... take 14, 13... so that one
# worker's flush never empties another's counts.
REDIS_DB = 15 - int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_URI = f"redis://127.0.0.1:6379/{REDIS_DB}"


def sibling_app(app, **overrides):
    """Build a second app on the same database with other settings."""
    other = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], **overrides
    )
    other.test_client_class = BrowserClient
    return other


def test_every_page_carries_the_security_headers(client):
    response = client.get("/")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    # Not in development: HSTS over plain http would lock a developer out of localhost.
    assert "Strict-Transport-Security" not in headers


def test_signed_in_pages_are_not_stored_but_public_ones_may_be(login_as, client):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    browser, _user = login_as("client")
    assert browser.get("/account/").headers["Cache-Control"] == "no-store"


def test_production_settings_add_hsts_and_redirect_to_https(app):
    secure = sibling_app(app, SESSION_COOKIE_SECURE=True)
    browser = secure.test_client()
    response = browser.get("/", base_url="https://portal.example/")
    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 3600 and "includeSubDomains" in hsts
    plain = browser.get("/", base_url="http://portal.example/")
    assert plain.status_code in (301, 302)
    assert plain.headers["Location"].startswith("https://")
    # Each app keeps its own header settings.
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers


def test_production_session_cookie_is_secure(app, make):
    secure = sibling_app(app, SESSION_COOKIE_SECURE=True)
    user = make.client()
    browser = secure.test_client()
    token_page = browser.get("/login", base_url="https://portal.example/").get_data(as_text=True)
    token = CSRF_RE.search(token_page).group(1)
    response = browser.post(
        "/login",
        data={"email": user.email, "password": "a calm walk in the park", "csrf_token": token},
        base_url="https://portal.example/",
        # Over https Flask-WTF also checks that the form came from this site.
        headers={"Referer": "https://portal.example/login"},
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _failed_login(browser, n: int, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    token = browser.get("/help", headers=headers).get_data(as_text=True)
    return browser.post(
        "/login",
        data={
            "email": f"nobody{n}@example.test",
            "password": "not a password",
            "csrf_token": CSRF_RE.search(token).group(1),
        },
        headers=headers,
    )


def test_proxy_fix_gives_the_limiter_and_the_log_the_real_address(app):
    proxied = sibling_app(app, PROXY_FIX_HOPS=1)
    browser = proxied.test_client()
    statuses = [_failed_login(browser, n, "203.0.113.7").status_code for n in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    # Another client behind the same proxy is not blocked by her neighbour.
    assert _failed_login(browser, 99, "198.51.100.4").status_code == 422
    addresses = set(
        db.session.scalars(
            sa.select(AuditEvent.ip_address).where(AuditEvent.action == "login_failed")
        )
    )
    assert addresses == {"203.0.113.7", "198.51.100.4"}


def test_without_proxy_fix_a_forwarded_header_is_not_trusted(client):
    _failed_login(client, 1, "203.0.113.7")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert event.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    ("role", "idle_minutes", "signed_out"),
    [
        ("practitioner", 29, False),
        ("practitioner", 31, True),
        ("admin", 31, True),
        ("client", 11 * 60, False),
        ("client", 12 * 60 + 1, True),
    ],
)
def test_idle_timeout_signs_out(login_as, role, idle_minutes, signed_out):
    browser, _user = login_as(role)
    home = {"client": "/me/", "practitioner": "/practice/", "admin": "/admin/"}[role]
    assert browser.get(home).status_code == 200
    age(browser, idle=timedelta(minutes=idle_minutes))
    response = browser.get(home)
    if signed_out:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
        with browser.session_transaction() as session:
            assert "_user_id" not in session
        assert browser.get(home).status_code == 302
    else:
        assert response.status_code == 200


# --- Redis rate-limit storage ---------------------------------------------------------------

OTHER_PROCESS = textwrap.dedent(
    """
    import re, sys
    from config import TestingConfig
    from portal import create_app

    app = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI=sys.argv[1], RATELIMIT_STORAGE_URI=sys.argv[2]
    )
    browser = app.test_client()
    page = browser.get("/help").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
    response = browser.post(
        "/login",
        data={"email": "another@example.test", "password": "not a password", "csrf_token": token},
    )
    print(response.status_code)
    """
)


def _status_in_another_process(app, storage_uri: str) -> int:
    completed = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, app.config["SQLALCHEMY_DATABASE_URI"], storage_uri],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(completed.stdout.strip().splitlines()[-1])


@pytest.fixture
def redis_db():
    """This worker's database of the local Redis, emptied before and after the test."""
    connection = redis.Redis.from_url(REDIS_URI)
    connection.flushdb()
    yield connection
    connection.flushdb()


def test_redis_storage_shares_the_login_limit_between_processes(app, redis_db):
    first = sibling_app(app, RATELIMIT_STORAGE_URI=REDIS_URI)
    browser = first.test_client()
    statuses = [_failed_login(browser, n).status_code for n in range(10)]
    assert statuses == [422] * 10
    assert redis_db.keys("*"), "the counts should live in Redis"
    # Another process (as another gunicorn worker) sees the same count.
    assert _status_in_another_process(app, REDIS_URI) == 429
    # With memory storage each process counts alone: the contrast that makes Redis necessary.
    assert _status_in_another_process(app, "memory://") == 422


def test_a_signed_in_page_still_works_with_redis_storage(app, redis_db, make):
    shared = sibling_app(app, RATELIMIT_STORAGE_URI=REDIS_URI)
    browser = shared.test_client()
    user = make.client()
    login(browser, user)
    assert browser.get("/me/").status_code == 200
    response = post_form(browser, "/logout", token_from="/me/")
    assert response.status_code == 302


def test_activity_moves_the_idle_clock_on(login_as):
    """A practitioner who opens a page every 20 minutes stays signed in all morning."""
    browser, _user = login_as("practitioner")
    assert browser.get("/practice/").status_code == 200
    for _step in range(6):
        row = row_of(browser)  # 20 minutes pass
        row.created_at -= timedelta(minutes=20)
        row.last_seen_at -= timedelta(minutes=20)
        db.session.commit()
        assert browser.get("/practice/").status_code == 200
