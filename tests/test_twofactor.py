"""Two-factor sign-in: enrolment, the second step, replay and recovery codes, secrets at rest."""

import re
import time
from datetime import UTC, datetime

import pyotp
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from portal.auth import throttle, twofactor
from portal.auth.services import set_password
from portal.extensions import db, limiter
from portal.models import AuditEvent, RecoveryCode, User
from portal.passwords import hash_password
from tests.conftest import PASSWORD, login, post_form

CODE_RE = re.compile(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>")


@pytest.fixture
def app_config():
    """Two-factor is required for practitioners and admins, as outside the test suite."""
    # A first wait after five failures that a slow machine cannot outrun.
    return {"TWO_FACTOR_REQUIRED": True, "LOGIN_FIRST_DELAY_SECONDS": 30}


def enrol(user: User) -> str:
    """Switch two-factor on for a user with a fresh secret; return the secret."""
    secret = pyotp.random_base32()
    twofactor.enable_with_secret(db.session.get(User, user.id), secret)
    db.session.commit()
    return secret


def code_at(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(time.time()) + steps_ahead * twofactor.STEP_SECONDS)


def signed_in(test_client) -> bool:
    with test_client.session_transaction() as session:
        return "_user_id" in session


def enrol_through_pages(test_client, user: User) -> tuple[str, list[str]]:
    """Set up two-factor as a person would: open the page, read the secret, confirm a code."""
    page = test_client.get("/two-factor/setup")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html
    secret = twofactor.decrypt_secret(db.session.get(User, user.id).totp_secret_encrypted)
    assert twofactor.grouped(secret) in html
    response = post_form(
        test_client,
        "/two-factor/setup",
        {"code": code_at(secret), "current_password": PASSWORD},
        token_from="/two-factor/setup",
    )
    assert response.status_code == 200
    codes = CODE_RE.findall(response.get_data(as_text=True))
    return secret, codes


@pytest.mark.parametrize("role", ["practitioner", "admin"])
def test_staff_must_set_up_two_factor_before_any_other_page(client, make, role):
    user = getattr(make, role)()
    login(client, user)
    for path in ("/practice/", "/admin/", "/account/", "/guidance/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == "/two-factor/setup"
    assert client.get("/help").status_code == 200
    assert client.get("/two-factor/setup").status_code == 200


def test_enrolment_stores_an_encrypted_secret_and_ten_hashed_recovery_codes(client, make):
    user = make.practitioner()
    login(client, user)
    secret, codes = enrol_through_pages(client, user)
    assert len(codes) == 10 == len(set(codes))
    stored = db.session.get(User, user.id)
    assert stored.totp_enabled
    assert secret not in stored.totp_secret_encrypted
    hashes = db.session.scalars(
        sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(hashes) == 10
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert client.get("/practice/").status_code == 200
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "two_factor_enabled" in actions


@pytest.mark.parametrize(
    ("right_code", "password"), [(False, PASSWORD), (True, "not my password!"), (True, "")]
)
def test_setup_needs_a_right_code_and_the_password(client, make, right_code, password):
    user = make.practitioner()
    login(client, user)
    client.get("/two-factor/setup")
    secret = twofactor.decrypt_secret(db.session.get(User, user.id).totp_secret_encrypted)
    code = code_at(secret) if right_code else "000000"
    response = post_form(
        client,
        "/two-factor/setup",
        {"code": code, "current_password": password},
        token_from="/help",
    )
    assert response.status_code == 422
    assert not db.session.get(User, user.id).totp_enabled
    assert client.get("/practice/").status_code == 302


def test_the_setup_secret_stays_the_same_when_the_page_is_reloaded(client, make):
    user = make.practitioner()
    login(client, user)
    client.get("/two-factor/setup")
    first = db.session.get(User, user.id).totp_secret_encrypted
    client.get("/two-factor/setup")
    db.session.expire_all()
    assert twofactor.decrypt_secret(db.session.get(User, user.id).totp_secret_encrypted) == (
        twofactor.decrypt_secret(first)
    )


def test_password_alone_does_not_sign_an_enrolled_user_in(client, make):
    user = make.practitioner()
    secret = enrol(user)
    response = login(client, user)
    assert response.headers["Location"] == "/login/code"
    assert not signed_in(client)
    assert client.get("/practice/").headers["Location"].startswith("/login")
    response = post_form(client, "/login/code", {"code": code_at(secret)}, token_from="/login/code")
    assert response.status_code == 302
    assert response.headers["Location"] == "/practice/"
    assert signed_in(client)
    assert client.get("/practice/").status_code == 200


def test_next_is_kept_through_the_second_step(client, make):
    user = make.practitioner()
    secret = enrol(user)
    post_form(client, "/login?next=/help", {"email": user.email, "password": PASSWORD})
    response = post_form(client, "/login/code", {"code": code_at(secret)}, token_from="/login/code")
    assert response.headers["Location"] == "/help"


def test_a_code_accepted_once_is_refused_in_the_same_time_step(app, make):
    user = make.practitioner()
    secret = enrol(user)
    code = code_at(secret)
    first, second = app.test_client(), app.test_client()
    login(first, user)
    assert post_form(
        first, "/login/code", {"code": code}, token_from="/login/code"
    ).status_code == (302)
    login(second, user)
    replay = post_form(second, "/login/code", {"code": code}, token_from="/login/code")
    assert replay.status_code == 422
    assert not signed_in(second)
    failed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "login_code_failed")
    ).all()
    assert len(failed) == 1


def test_replay_is_decided_by_the_stored_step(make, app):
    user = make.practitioner()
    secret = enrol(user)
    now = time.time()
    step = twofactor.current_step(now)
    totp = pyotp.TOTP(secret)
    with app.test_request_context():
        stored = db.session.get(User, user.id)
        assert twofactor.accept_totp(stored, totp.at(now), now=now)
        assert stored.totp_last_step == step
        assert not twofactor.accept_totp(stored, totp.at(now), now=now)
        # The previous step's code is older than the one used: refused too.
        assert not twofactor.accept_totp(stored, totp.at(now - twofactor.STEP_SECONDS), now=now)
        # The next step is still new.
        assert twofactor.accept_totp(stored, totp.at(now + twofactor.STEP_SECONDS), now=now)
        # Two steps away is outside the window.
        assert not twofactor.accept_totp(stored, totp.at(now + 3 * twofactor.STEP_SECONDS), now=now)


def test_a_recovery_code_works_once(app, make):
    user = make.practitioner()
    first = app.test_client()
    login(first, user)
    _secret, codes = enrol_through_pages(first, user)
    post_form(first, "/logout", token_from="/help")

    browser = app.test_client()
    login(browser, user)
    response = post_form(
        browser,
        "/login/code",
        {"code": codes[0].upper().replace("-", " ")},
        token_from="/login/code",
    )
    assert response.status_code == 302
    assert signed_in(browser)
    used = db.session.scalars(
        sa.select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
    ).all()
    assert len(used) == 1

    again = app.test_client()
    login(again, user)
    response = post_form(again, "/login/code", {"code": codes[0]}, token_from="/login/code")
    assert response.status_code == 422
    assert not signed_in(again)


def test_new_recovery_codes_replace_the_old_ones(app, make):
    user = make.practitioner()
    browser = app.test_client()
    login(browser, user)
    _secret, old_codes = enrol_through_pages(browser, user)
    refused = post_form(
        browser,
        "/two-factor/recovery-codes",
        {"current_password": "wrong password!"},
        token_from="/two-factor",
    )
    assert refused.status_code == 422
    response = post_form(
        browser,
        "/two-factor/recovery-codes",
        {"current_password": PASSWORD},
        token_from="/two-factor",
    )
    new_codes = CODE_RE.findall(response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)

    other = app.test_client()
    login(other, user)
    response = post_form(other, "/login/code", {"code": old_codes[1]}, token_from="/login/code")
    assert response.status_code == 422
    response = post_form(other, "/login/code", {"code": new_codes[1]}, token_from="/login/code")
    assert response.status_code == 302


def test_the_pending_sign_in_expires(client, make):
    user = make.practitioner()
    secret = enrol(user)
    login(client, user)
    with client.session_transaction() as session:
        session[twofactor.PENDING_KEY]["since"] -= twofactor.PENDING_SECONDS + 1
        session.modified = True
    response = post_form(client, "/login/code", {"code": code_at(secret)}, token_from="/help")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def test_the_code_page_without_a_password_step_sends_to_sign_in(client):
    response = client.get("/login/code")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_password_change_voids_a_pending_sign_in(client, make):
    user = make.practitioner()
    secret = enrol(user)
    login(client, user)
    set_password(db.session.get(User, user.id), "a new password after the first step")
    db.session.commit()
    response = post_form(client, "/login/code", {"code": code_at(secret)}, token_from="/help")
    assert response.headers["Location"] == "/login"
    assert not signed_in(client)


def _wrong_code(test_client, address: str = "127.0.0.1", code: str = "123456"):
    return post_form(
        test_client,
        "/login/code",
        {"code": code},
        token_from="/help",
        environ_base={"REMOTE_ADDR": address},
    )


def test_five_wrong_codes_send_her_back_to_the_password_step(client, make):
    user = make.practitioner()
    secret = enrol(user)
    login(client, user)
    # A new address each time: the count belongs to this sign-in, not to an address.
    assert [_wrong_code(client, f"10.1.0.{n}").status_code for n in range(4)] == [422] * 4
    before_the_fifth = client.get_cookie("session").value
    fifth = _wrong_code(client, "10.1.0.4")
    assert fifth.status_code == 302
    assert fifth.headers["Location"] == "/login"
    assert client.get("/login/code").headers["Location"] == "/login"
    # The count is kept on the server: replaying the cookie from before gives no new tries.
    client.set_cookie("session", before_the_fifth)
    replay = post_form(client, "/login/code", {"code": code_at(secret)}, token_from="/help")
    assert replay.status_code == 302 and replay.headers["Location"] == "/login"
    assert not signed_in(client)


def test_wrong_codes_make_the_account_wait_like_wrong_passwords(app, make):
    """Someone who has the password cannot guess codes at full speed by starting over."""
    user = make.practitioner()
    secret = enrol(user)
    browser = app.test_client()
    login(browser, user)
    for n in range(5):
        _wrong_code(browser, f"10.2.0.{n}")
    again = app.test_client()
    refused = post_form(again, "/login", {"email": user.email, "password": PASSWORD})
    assert refused.status_code == 429
    # Once the wait is over she signs in with the password and a right code ...
    limiter.limiter.storage.clear(throttle.key("wait", user.email))
    login(again, user)
    response = post_form(again, "/login/code", {"code": code_at(secret)}, token_from="/login/code")
    assert response.status_code == 302 and signed_in(again)
    # ... and the failures are forgotten: the next person's typing error is free again.
    other = app.test_client()
    assert post_form(
        other, "/login", {"email": user.email, "password": "wrong password!"}
    ).status_code == 422


def test_wrong_codes_and_passwords_share_the_address_limit(app, make):
    user = make.practitioner()
    secret = enrol(user)
    browser = app.test_client()
    for n in range(6):
        wrong = post_form(
            browser, "/login", {"email": f"guess{n}@example.test", "password": "guessing again"}
        )
        assert wrong.status_code == 422
    login(browser, user)
    assert [_wrong_code(browser).status_code for _ in range(4)] == [422] * 4
    # Ten failures from this address: even the right code waits for the window to pass.
    response = post_form(browser, "/login/code", {"code": code_at(secret)}, token_from="/help")
    assert response.status_code == 429
    assert not signed_in(browser)


@pytest.fixture
def argon2_checks(monkeypatch):
    """Count argon2 verifications (each takes tens of milliseconds of a worker)."""
    calls = []
    real = PasswordHasher.verify

    def verify(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    return calls


def test_a_recovery_code_attempt_costs_at_most_one_argon2_check(app, make, argon2_checks):
    user = make.practitioner()
    first = app.test_client()
    login(first, user)
    _secret, codes = enrol_through_pages(first, user)

    browser = app.test_client()
    login(browser, user)
    argon2_checks.clear()
    wrong = _wrong_code(browser, code="abcde-fghjk")
    assert wrong.status_code == 422
    assert len(argon2_checks) <= 1
    argon2_checks.clear()
    right = post_form(browser, "/login/code", {"code": codes[7]}, token_from="/help")
    assert right.status_code == 302 and signed_in(browser)
    assert len(argon2_checks) == 1


def test_the_lookup_beside_each_recovery_code_is_keyed_not_the_code(app, make):
    user = make.practitioner()
    browser = app.test_client()
    login(browser, user)
    _secret, codes = enrol_through_pages(browser, user)
    lookups = db.session.scalars(
        sa.select(RecoveryCode.code_lookup).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(set(lookups)) == 10 and all(lookups)
    for code in codes:
        plain = code.replace("-", "")
        assert all(plain[:4] not in lookup for lookup in lookups)
        assert twofactor.recovery_lookup(plain) in lookups


def test_recovery_codes_made_before_the_lookup_still_work_once(app, make):
    user = make.practitioner()
    enrol(user)
    db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password("k2m4p6r8t9")))
    db.session.commit()
    browser = app.test_client()
    login(browser, user)
    response = post_form(browser, "/login/code", {"code": "k2m4p-6r8t9"}, token_from="/help")
    assert response.status_code == 302 and signed_in(browser)
    again = app.test_client()
    login(again, user)
    assert _wrong_code(again, code="k2m4p-6r8t9").status_code == 422


def test_clients_sign_in_without_two_factor_and_may_switch_it_on_and_off(client, make):
    user = make.client()
    user.locale = "en"
    db.session.commit()
    login(client, user)
    assert client.get("/me/").status_code == 200
    page = client.get("/account/").get_data(as_text=True)
    assert "Set up two-step sign-in" in page
    secret, codes = enrol_through_pages(client, user)
    assert len(codes) == 10
    assert "Switch two-step sign-in off" in client.get("/two-factor").get_data(as_text=True)

    wrong = post_form(
        client,
        "/two-factor/disable",
        {"disable-current_password": PASSWORD, "disable-code": "000000"},
        token_from="/two-factor",
    )
    assert wrong.status_code == 422
    assert db.session.get(User, user.id).totp_enabled
    response = post_form(
        client,
        "/two-factor/disable",
        {"disable-current_password": PASSWORD, "disable-code": code_at(secret, 1)},
        token_from="/two-factor",
    )
    assert response.status_code == 302
    stored = db.session.get(User, user.id)
    db.session.refresh(stored)
    assert not stored.totp_enabled and stored.totp_secret_encrypted is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0


def test_practitioners_cannot_switch_two_factor_off(client, make):
    user = make.practitioner()
    login(client, user)
    secret, _codes = enrol_through_pages(client, user)
    assert "disable-code" not in client.get("/two-factor").get_data(as_text=True)
    response = post_form(
        client,
        "/two-factor/disable",
        {"disable-current_password": PASSWORD, "disable-code": code_at(secret, 1)},
        token_from="/two-factor",
    )
    assert response.status_code == 302
    assert db.session.get(User, user.id).totp_enabled


def test_the_secret_is_encrypted_with_the_configured_key(app):
    with app.test_request_context():
        app.config["TOTP_ENCRYPTION_KEY"] = "a long random key from the environment"
        token = twofactor.encrypt_secret("JBSWY3DPEHPK3PXP")
        assert "JBSWY3DPEHPK3PXP" not in token
        assert twofactor.decrypt_secret(token) == "JBSWY3DPEHPK3PXP"
        # Without it the key comes from SECRET_KEY: a different key, so this token does not open.
        app.config["TOTP_ENCRYPTION_KEY"] = None
        assert twofactor.decrypt_secret(token) is None
        fallback = twofactor.encrypt_secret("JBSWY3DPEHPK3PXP")
        assert twofactor.decrypt_secret(fallback) == "JBSWY3DPEHPK3PXP"


def test_staff_need_two_factor_under_the_shipped_configuration(app, make):
    from config import Config, DevelopmentConfig, ProductionConfig

    assert Config.TWO_FACTOR_REQUIRED
    assert DevelopmentConfig.TWO_FACTOR_REQUIRED and ProductionConfig.TWO_FACTOR_REQUIRED
    app.config["TWO_FACTOR_REQUIRED"] = Config.TWO_FACTOR_REQUIRED
    with app.test_request_context():
        assert twofactor.enrolment_required(make.practitioner())
        assert twofactor.enrolment_required(make.admin())
        assert not twofactor.enrolment_required(make.client())


def test_demo_secret_is_valid_base32():
    assert len(pyotp.TOTP(twofactor.DEMO_SECRET).now()) == 6


def test_last_login_is_recorded_after_the_second_step(client, make):
    user = make.practitioner()
    secret = enrol(user)
    login(client, user)
    post_form(client, "/login/code", {"code": code_at(secret)}, token_from="/login/code")
    stored = db.session.get(User, user.id)
    db.session.refresh(stored)
    assert stored.last_login_at is not None
    assert (datetime.now(UTC) - stored.last_login_at).total_seconds() < 60
