"""Server-side sessions: sign-out ends them everywhere, lifetimes hold, erased ids stay dead."""

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from portal.auth import twofactor
from portal.auth.services import create_invitation
from portal.extensions import db
from portal.models import ErasureRequest, PasswordReset, User, UserSession
from portal.privacy import services as privacy_services
from portal.tokens import hash_token
from tests.conftest import PASSWORD, login, post_form
from tests.test_privacy import request_erasure

NEW_PASSWORD = "a slow swim across the lake"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


# --- helpers --------------------------------------------------------------------------------


def copy_of(browser):
    """Return a second browser holding the same session cookie (a stolen or saved copy)."""
    twin = browser.application.test_client()
    cookie = browser.get_cookie("session")
    assert cookie is not None, "the browser holds no session cookie"
    twin.set_cookie("session", cookie.value)
    return twin


def row_of(browser) -> UserSession:
    """Return the session row the browser's cookie points at."""
    with browser.session_transaction() as cookie:
        token = cookie["_user_id"]
    db.session.expire_all()
    return db.session.scalar(
        sa.select(UserSession).where(UserSession.token_hash == hash_token(token))
    )


def live_count(user: User) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    )


def revoked_count(user_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_not(None))
    )


def signed_in_browsers(app, user: User, count: int) -> list:
    browsers = []
    for _ in range(count):
        browser = app.test_client()
        login(browser, user)
        browsers.append(browser)
    return browsers


def age(browser, *, created: timedelta | None = None, idle: timedelta | None = None) -> None:
    """Move time on for a browser's session: it began `created` ago, last seen `idle` ago."""
    row = row_of(browser)
    now = datetime.now(UTC)
    if created is not None:
        row.created_at = now - created
    if idle is not None:
        row.last_seen_at = now - idle
    db.session.commit()


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def erase(admin_browser, erasure: ErasureRequest):
    return post_form(
        admin_browser,
        f"/account/admin/erasure/{erasure.id}",
        {f"r{erasure.id}-decision": "erase"},
        token_from="/account/admin/erasure",
    )


def reset_path(message) -> str:
    line = next(line for line in message.body.splitlines() if "/reset/" in line)
    return line[line.index("/reset/") :].strip()


def change_password_on_account_page(browser, new=NEW_PASSWORD):
    return post_form(
        browser,
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-password": new,
            "password-confirm": new,
        },
    )


# --- finding 1: an erased client's cookie opens nothing -------------------------------------


def test_an_erased_clients_cookie_never_opens_the_next_mothers_account(app, login_as, outbox):
    admin_browser, _admin = login_as("admin")
    anna_browser, anna = login_as("client", name="Anna Erased")
    anna_id = anna.id
    anna_pseudonym = privacy_services.pseudonym(anna)
    kept_cookie = copy_of(anna_browser)
    request_erasure(anna_browser)
    erasure = db.session.scalar(sa.select(ErasureRequest))
    assert erase(admin_browser, erasure).status_code == 302

    # Bea is invited next and accepts, as a person would.
    invitation, token = create_invitation("bea@example.test", "Bea Next", "client", None)
    db.session.commit()
    bea_browser = app.test_client()
    response = post_form(
        bea_browser,
        f"/invite/{token}",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "consent": "y"},
        token_from=f"/invite/{token}",
    )
    assert response.status_code == 302
    bea = db.session.scalar(sa.select(User).where(User.email == "bea@example.test"))
    assert bea.id != anna_id  # ids are never handed out twice
    assert bea_browser.get("/me/history").status_code == 200

    for path in ("/me/", "/account/", "/me/history"):
        response = kept_cookie.get(path)
        assert sent_to_login(response), path
        assert "Bea Next" not in response.get_data(as_text=True)
    # The new account's access-log pseudonym is not the erased one's.
    assert privacy_services.pseudonym(bea) != anna_pseudonym
    assert db.session.get(ErasureRequest, erasure.id).pseudonym == anna_pseudonym


def test_pseudonyms_are_random_per_account_not_derived_from_the_id(app, make):
    first, second = make.client(), make.client()
    assert len(privacy_services.pseudonym(first)) == 64
    assert privacy_services.pseudonym(first) != privacy_services.pseudonym(second)
    # Not the keyed hash of the id it used to be: an id reused would give the same one.
    key = app.config["SECRET_KEY"].encode()
    from_id = hmac.new(key, f"user:{first.id}".encode(), hashlib.sha256).hexdigest()
    assert privacy_services.pseudonym(first) != from_id


def test_an_id_is_never_handed_out_twice(app, make):
    last = make.client()
    last_id = last.id
    db.session.delete(last)
    db.session.commit()
    assert make.client().id > last_id


def test_every_sqlite_table_with_an_integer_key_uses_autoincrement(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL sequences never hand out a number twice")
    declared = {
        table.name
        for table in db.metadata.sorted_tables
        if table.autoincrement_column is not None
    }
    schema = dict(
        db.session.execute(
            sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        ).all()
    )
    assert "users" in declared and "user_sessions" in declared
    assert [name for name in sorted(declared) if "AUTOINCREMENT" not in schema[name]] == []


# --- finding 2: signing out ends the session on the server ----------------------------------


def test_a_copy_taken_before_sign_out_no_longer_opens_her_history(login_as):
    browser, user = login_as("client")
    assert browser.get("/me/history").status_code == 200
    copy = copy_of(browser)
    post_form(browser, "/logout", token_from="/me/")
    response = copy.get("/me/history")
    assert sent_to_login(response)
    assert live_count(user) == 0


def test_a_copy_taken_before_sign_out_no_longer_opens_a_client_record(login_as, make):
    browser, practitioner = login_as("practitioner")
    mother = make.client(practitioner=practitioner, name="Mila Record")
    assert browser.get(f"/practice/clients/{mother.id}").status_code == 200
    copy = copy_of(browser)
    post_form(browser, "/logout", token_from="/practice/")
    response = copy.get(f"/practice/clients/{mother.id}")
    assert sent_to_login(response)
    assert "Mila Record" not in response.get_data(as_text=True)


def test_the_cookie_carries_only_a_random_session_id(login_as):
    browser, user = login_as("client")
    with browser.session_transaction() as cookie:
        session_id = cookie["_user_id"]
    assert str(user.id) not in session_id.split(":")
    assert len(session_id) >= 43  # 32 random bytes, URL-safe base64
    # Only a hash is stored: reading the table does not hand out a live cookie.
    row = row_of(browser)
    assert row.user_id == user.id and session_id not in row.token_hash


def test_a_forged_cookie_in_the_old_scheme_opens_nothing(app, make):
    admin = make.admin()
    forged = app.test_client()
    with forged.session_transaction() as cookie:
        cookie["_user_id"] = f"{admin.id}:1"
        cookie["_fresh"] = True
    assert sent_to_login(forged.get("/admin/"))


# --- lifetimes -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["practitioner", "admin"])
def test_staff_sessions_end_after_twelve_hours_however_active(login_as, role):
    browser, _user = login_as(role)
    home = {"practitioner": "/practice/", "admin": "/admin/"}[role]
    age(browser, created=timedelta(hours=11, minutes=58), idle=timedelta(minutes=1))
    assert browser.get(home).status_code == 200
    age(browser, created=timedelta(hours=12, minutes=1), idle=timedelta(minutes=1))
    assert sent_to_login(browser.get(home))
    assert sent_to_login(browser.get(home))  # and it stays ended


def test_staff_cannot_stay_signed_in_longer(app, make):
    practitioner = make.practitioner()
    browser = app.test_client()
    post_form(
        browser,
        "/login",
        {"email": practitioner.email, "password": PASSWORD, "remember": "y"},
    )
    assert row_of(browser).remembered is False
    age(browser, created=timedelta(hours=12, minutes=1), idle=timedelta(minutes=1))
    assert sent_to_login(browser.get("/practice/"))


def test_a_client_without_stay_signed_in_is_signed_out_after_twelve_hours(login_as):
    browser, _user = login_as("client")
    assert browser.get_cookie("session").expires is None  # gone when the browser closes
    age(browser, created=timedelta(hours=11), idle=timedelta(hours=11))
    assert browser.get("/me/").status_code == 200
    age(browser, created=timedelta(hours=12, minutes=1), idle=timedelta(minutes=5))
    assert sent_to_login(browser.get("/me/"))


def test_stay_signed_in_on_this_phone_lasts_thirty_days(app, make):
    mother = make.client()
    browser = app.test_client()
    response = post_form(
        browser,
        "/login",
        {"email": mother.email, "password": PASSWORD, "remember": "y"},
        headers={"User-Agent": ANDROID_CHROME},
    )
    assert response.status_code == 302
    assert row_of(browser).remembered is True
    # The cookie outlives closing the browser.
    assert browser.get_cookie("session").expires is not None
    age(browser, created=timedelta(days=29, hours=23), idle=timedelta(days=3))
    assert browser.get("/me/").status_code == 200
    age(browser, created=timedelta(days=30, minutes=1), idle=timedelta(minutes=1))
    assert sent_to_login(browser.get("/me/"))


def test_stay_signed_in_is_kept_through_the_two_step_page(app, make):
    mother = make.client()
    secret = pyotp.random_base32()
    twofactor.enable_with_secret(mother, secret)
    db.session.commit()
    browser = app.test_client()
    post_form(browser, "/login", {"email": mother.email, "password": PASSWORD, "remember": "y"})
    response = post_form(browser, "/login/code", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert row_of(browser).remembered is True


def test_last_seen_moves_at_most_once_a_minute(login_as):
    browser, _user = login_as("client")
    age(browser, idle=timedelta(seconds=20))
    before = row_of(browser).last_seen_at
    assert browser.get("/me/").status_code == 200
    assert row_of(browser).last_seen_at == before
    age(browser, idle=timedelta(minutes=2))
    assert browser.get("/me/", environ_base={"REMOTE_ADDR": "192.0.2.44"}).status_code == 200
    row = row_of(browser)
    assert datetime.now(UTC) - row.last_seen_at < timedelta(seconds=30)
    assert row.ip_address == "192.0.2.44"  # where she was last seen


def test_the_session_is_looked_up_in_one_query(app, login_as):
    from portal.auth.sessions import load_user

    browser, user = login_as("client")
    with browser.session_transaction() as cookie:
        session_id = cookie["_user_id"]
    statements = []

    def count(*_args):
        statements.append(_args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/me/"):
            db.session.expire_all()
            loaded = load_user(session_id)
            assert loaded.id == user.id
            assert loaded.profile is not None and loaded.full_name
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements


def test_sessions_older_than_the_longest_lifetime_go_at_her_next_sign_in(app, make):
    mother, other = make.client(), make.client()
    old_phone, recent = signed_in_browsers(app, mother, 2)
    theirs = signed_in_browsers(app, other, 1)[0]
    age(old_phone, created=timedelta(days=30, minutes=1))
    age(recent, created=timedelta(days=29))
    age(theirs, created=timedelta(days=31))
    old_id, recent_id, their_id = row_of(old_phone).id, row_of(recent).id, row_of(theirs).id
    login(app.test_client(), mother)
    db.session.expire_all()
    assert db.session.get(UserSession, old_id) is None
    assert db.session.get(UserSession, recent_id) is not None
    assert db.session.get(UserSession, their_id) is not None  # hers only


# --- which actions end which sessions --------------------------------------------------------


def test_sign_out_revokes_this_session_only(app, make):
    mother = make.client()
    this, *others = signed_in_browsers(app, mother, 3)
    post_form(this, "/logout", token_from="/me/")
    assert revoked_count(mother.id) == 1
    assert live_count(mother) == 2
    assert all(other.get("/me/").status_code == 200 for other in others)


def test_a_password_change_revokes_every_other_session(app, make):
    mother = make.client()
    this, *others = signed_in_browsers(app, mother, 3)
    assert change_password_on_account_page(this).status_code == 302
    assert revoked_count(mother.id) == 2
    assert this.get("/me/").status_code == 200
    assert all(sent_to_login(other.get("/me/")) for other in others)


def test_a_password_reset_by_link_revokes_every_session(app, make, outbox):
    mother = make.client()
    browsers = signed_in_browsers(app, mother, 3)
    stranger = app.test_client()
    post_form(stranger, "/reset", {"email": mother.email})
    path = reset_path(outbox[-1])
    response = post_form(
        stranger, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, token_from=path
    )
    assert response.status_code == 302
    assert revoked_count(mother.id) == 3
    assert all(sent_to_login(browser.get("/me/")) for browser in browsers)


def test_deactivation_revokes_every_session(app, login_as, make):
    admin_browser, _admin = login_as("admin")
    mother = make.client()
    browsers = signed_in_browsers(app, mother, 3)
    response = post_form(
        admin_browser,
        f"/admin/users/{mother.id}",
        {"practitioner_id": "0"},  # the "active" box left unticked
        token_from=f"/admin/users/{mother.id}",
    )
    assert response.status_code == 302
    assert revoked_count(mother.id) == 3
    assert all(sent_to_login(browser.get("/me/")) for browser in browsers)


def test_erasure_removes_every_session(app, login_as, make):
    admin_browser, _admin = login_as("admin")
    mother = make.client()
    mother_id = mother.id
    browsers = signed_in_browsers(app, mother, 3)
    request_erasure(browsers[0])
    assert live_count(mother) == 3
    assert erase(admin_browser, db.session.scalar(sa.select(ErasureRequest))).status_code == 302
    # Her sessions held her address and device: they go with the rest of her data.
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == mother_id)
    ) == 0
    assert all(sent_to_login(browser.get("/me/")) for browser in browsers)


def test_a_two_step_reset_revokes_every_session(app, login_as, make):
    admin_browser, _admin = login_as("admin")
    practitioner = make.practitioner()
    # Signed in on three devices, one of them the phone she lost.
    browsers = signed_in_browsers(app, practitioner, 3)
    twofactor.enable_with_secret(db.session.get(User, practitioner.id), pyotp.random_base32())
    db.session.commit()
    response = post_form(
        admin_browser,
        f"/admin/users/{practitioner.id}/two-factor/reset",
        {"confirmed": "y"},
        token_from=f"/admin/users/{practitioner.id}",
    )
    assert response.status_code == 302
    assert revoked_count(practitioner.id) == 3
    assert all(sent_to_login(browser.get("/practice/")) for browser in browsers)


# --- her signed-in devices ------------------------------------------------------------------


def english_browser(app, user: User, user_agent: str, address: str):
    browser = app.test_client()
    browser.set_cookie("portal_locale", "en")
    post_form(
        browser,
        "/login",
        {"email": user.email, "password": PASSWORD},
        headers={"User-Agent": user_agent},
        environ_base={"REMOTE_ADDR": address},
    )
    return browser


def test_the_account_page_lists_her_devices(app, make):
    mother = make.client()
    mother.locale = "en"
    db.session.commit()
    phone = english_browser(app, mother, ANDROID_CHROME, "198.51.100.7")
    english_browser(app, mother, IPHONE_SAFARI, "203.0.113.9")
    page = phone.get("/account/", headers={"User-Agent": ANDROID_CHROME}).get_data(as_text=True)
    section = page[page.index('id="devices-heading"') :]
    assert "Chrome on Android" in section and "Safari on iPhone" in section
    assert "198.51.100.7" in section and "203.0.113.9" in section
    assert section.count("This device") == 1
    this_row = section[section.index("Chrome on Android") :].split("</li>")[0]
    assert "This device" in this_row
    assert "Sign out everywhere" in section
    # Another account's devices are not hers to see.
    other = make.client()
    english_browser(app, other, IPHONE_SAFARI, "192.0.2.200")
    page = phone.get("/account/").get_data(as_text=True)
    assert "192.0.2.200" not in page


def test_she_signs_out_one_device(app, make):
    mother = make.client()
    phone = english_browser(app, mother, ANDROID_CHROME, "198.51.100.7")
    laptop = english_browser(app, mother, IPHONE_SAFARI, "203.0.113.9")
    laptop_row = row_of(laptop)
    response = post_form(
        phone, f"/account/sessions/{laptop_row.id}/sign-out", token_from="/account/"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert sent_to_login(laptop.get("/me/"))
    assert phone.get("/me/").status_code == 200
    assert revoked_count(mother.id) == 1


def test_she_cannot_sign_out_someone_elses_device(app, make):
    mother, other = make.client(), make.client()
    phone = english_browser(app, mother, ANDROID_CHROME, "198.51.100.7")
    theirs = english_browser(app, other, IPHONE_SAFARI, "203.0.113.9")
    response = post_form(
        phone, f"/account/sessions/{row_of(theirs).id}/sign-out", token_from="/account/"
    )
    assert response.status_code == 404
    assert theirs.get("/me/").status_code == 200
    assert revoked_count(other.id) == 0


def test_signing_out_this_device_from_the_list_signs_her_out(app, make):
    mother = make.client()
    phone = english_browser(app, mother, ANDROID_CHROME, "198.51.100.7")
    response = post_form(
        phone, f"/account/sessions/{row_of(phone).id}/sign-out", token_from="/account/"
    )
    assert sent_to_login(response)
    assert sent_to_login(phone.get("/me/"))


def test_sign_out_everywhere(app, make):
    mother = make.client()
    phone = english_browser(app, mother, ANDROID_CHROME, "198.51.100.7")
    others = [english_browser(app, mother, IPHONE_SAFARI, f"203.0.113.{n}") for n in (1, 2)]
    response = post_form(phone, "/account/sessions/sign-out-everywhere", token_from="/account/")
    assert sent_to_login(response)
    assert revoked_count(mother.id) == 3
    assert all(sent_to_login(browser.get("/me/")) for browser in [phone, *others])


def test_device_buttons_need_a_csrf_token(app, make):
    mother = make.client()
    phone = english_browser(app, mother, ANDROID_CHROME, "198.51.100.7")
    assert phone.post("/account/sessions/sign-out-everywhere").status_code == 400
    assert phone.post(f"/account/sessions/{row_of(phone).id}/sign-out").status_code == 400
    assert live_count(mother) == 1


# --- finding 7: reset links ------------------------------------------------------------------


def test_a_new_reset_link_voids_the_earlier_one(client, make, outbox):
    mother = make.client()
    post_form(client, "/reset", {"email": mother.email})
    first = reset_path(outbox[-1])
    post_form(client, "/reset", {"email": mother.email})
    second = reset_path(outbox[-1])
    assert first != second
    assert client.get(first).status_code == 410
    refused = post_form(client, first, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 410
    assert client.get(second).status_code == 200
    assert login(client, mother).status_code == 302  # the password did not change


def test_a_password_change_voids_every_open_reset_link(app, login_as, outbox):
    browser, mother = login_as("client")
    stranger = app.test_client()
    post_form(stranger, "/reset", {"email": mother.email})
    path = reset_path(outbox[-1])
    assert change_password_on_account_page(browser).status_code == 302
    assert stranger.get(path).status_code == 410
    theirs = "someone else's password"
    refused = post_form(stranger, path, {"password": theirs, "confirm": theirs})
    assert refused.status_code == 410
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(PasswordReset).where(PasswordReset.used_at.is_(None))
    ) == 0


# --- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "browser", "system"),
    [
        (ANDROID_CHROME, "Chrome", "Android"),
        (IPHONE_SAFARI, "Safari", "iPhone"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87",
            "Edge",
            "Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Firefox",
            "macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet",
            "Android",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            "Chrome",
            "iPad",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
            "Firefox",
            "Linux",
        ),
        ("", "", ""),
        ("curl/8.5.0", "", ""),
    ],
)
def test_device_description(user_agent, browser, system):
    from portal.auth.devices import describe_device

    assert describe_device(user_agent) == (browser, system)


def test_a_long_user_agent_is_cut_to_fit():
    from portal.auth.devices import describe_device

    browser, system = describe_device("Firefox/1 " + "x" * 10_000)
    assert browser == "Firefox" and len(system) <= 40


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LIMITS = {
    "absolute": {"staff": timedelta(hours=12), "client": timedelta(hours=12),
                 "remembered": timedelta(days=30)},
    "idle": {"practitioner": timedelta(minutes=30), "admin": timedelta(minutes=30),
             "client": timedelta(hours=12)},
}


@pytest.mark.parametrize(
    ("role", "remembered", "created_ago", "idle_for", "ended"),
    [
        ("practitioner", False, timedelta(hours=11), timedelta(minutes=29), None),
        ("practitioner", False, timedelta(hours=11), timedelta(minutes=31), "idle"),
        ("practitioner", False, timedelta(hours=12, seconds=1), timedelta(0), "expired"),
        ("admin", True, timedelta(hours=12, seconds=1), timedelta(0), "expired"),
        ("client", False, timedelta(hours=11), timedelta(hours=11), None),
        ("client", False, timedelta(hours=13), timedelta(hours=12, seconds=1), "idle"),
        ("client", False, timedelta(hours=12, seconds=1), timedelta(0), "expired"),
        ("client", True, timedelta(days=29), timedelta(days=5), None),
        ("client", True, timedelta(days=30, seconds=1), timedelta(0), "expired"),
    ],
)
def test_session_end_rule(role, remembered, created_ago, idle_for, ended):
    from portal.auth.sessions import session_end

    assert session_end(
        role, remembered, created_at=NOW - created_ago, last_seen_at=NOW - idle_for, now=NOW,
        limits=LIMITS,
    ) == ended


def test_the_device_buttons_are_post_forms_with_a_csrf_token(app, make):
    mother = make.client()
    phone = english_browser(app, mother, ANDROID_CHROME, "198.51.100.7")
    page = phone.get("/account/").get_data(as_text=True)
    section = page[page.index('id="devices-heading"') :].split("</section>")[0]
    assert len(re.findall(r'name="csrf_token"', section)) >= 2
    assert 'method="post"' in section
