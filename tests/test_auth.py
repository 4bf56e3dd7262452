"""Signing in and out: generic errors, rate limits, CSRF, safe redirects, revoked sessions."""

import pytest
import sqlalchemy as sa

from config import DevelopmentConfig, ProductionConfig, TestingConfig
from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent, User
from portal.passwords import hash_password, needs_rehash, verify_password
from tests.conftest import PASSWORD, login, post_form


@pytest.mark.parametrize(
    ("role", "home"),
    [("client", "/me/"), ("practitioner", "/practice/"), ("admin", "/admin/")],
)
def test_each_role_lands_on_its_own_home(client, make, role, home):
    user = getattr(make, role)()
    response = login(client, user)
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_message(client, make):
    user = make.client()
    wrong = post_form(client, "/login", {"email": user.email, "password": "not the password!"})
    unknown = post_form(client, "/login", {"email": "nobody@example.test", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 422
    message = "Het e-mailadres of wachtwoord klopt niet."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    failed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert len(failed.all()) == 2


def test_login_is_rate_limited_per_address(client, make):
    statuses = [
        post_form(
            client, "/login", {"email": f"guess{n}@example.test", "password": "guessing again"}
        ).status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, make):
    user = make.client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "formulier" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.parametrize(
    "target", ["https://elsewhere.example/", "//elsewhere.example/x", "/\\elsewhere.example"]
)
def test_next_to_another_site_is_ignored(client, make, target):
    user = make.client()
    response = post_form(
        client, f"/login?next={target}", {"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/me/"


def test_next_to_a_local_page_is_followed(client, make):
    user = make.client()
    response = post_form(client, "/login?next=/help", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/help"


def test_logout_ends_the_session(client, make):
    user = make.client()
    login(client, user)
    post_form(client, "/logout", token_from="/me/")
    response = client.get("/me/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_password_change_signs_out_other_sessions(app, make):
    user = make.client()
    first = app.test_client()
    login(first, user)
    assert first.get("/me/").status_code == 200
    from portal.auth.services import set_password

    set_password(db.session.get(User, user.id), "another long password")
    db.session.commit()
    assert first.get("/me/").status_code == 302


def test_deactivated_account_cannot_sign_in(client, make):
    user = make.client()
    user.active = False
    db.session.commit()
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 422


def test_password_is_hashed_with_argon2id(make):
    user = make.client()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    # The suite hashes at argon2's smallest cost; the portal itself uses OWASP's m=19 MiB, t=2,
    # p=1, and a hash made with other parameters is redone at the next sign-in.
    settings = ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")
    owasp = {name: getattr(ProductionConfig, name) for name in settings}
    assert owasp == {name: getattr(DevelopmentConfig, name) for name in settings}
    production = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://", **owasp)
    with production.app_context():
        assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert verify_password(user.password_hash, PASSWORD)
        assert needs_rehash(user.password_hash)


def test_password_reset_by_link_is_single_use(client, make, outbox):
    user = make.client()
    post_form(client, "/reset", {"email": user.email})
    post_form(client, "/reset", {"email": "nobody@example.test"})
    assert len(outbox) == 1
    link = next(line for line in outbox[0].body.splitlines() if "/reset/" in line)
    path = link[link.index("/reset/") :]
    response = post_form(
        client,
        path,
        {"password": "a brand new long password", "confirm": "a brand new long password"},
    )
    assert response.status_code == 302
    assert client.get(path).status_code == 410
    assert "wachtwoord is gewijzigd" in outbox[-1].body or "password" in outbox[-1].subject.lower()
    assert login(client, user, "a brand new long password").status_code == 302


def test_expired_reset_link_is_refused(client, make, outbox):
    from datetime import UTC, datetime, timedelta

    from portal.models import PasswordReset

    user = make.client()
    post_form(client, "/reset", {"email": user.email})
    reset = db.session.scalar(sa.select(PasswordReset))
    reset.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    link = next(line for line in outbox[0].body.splitlines() if "/reset/" in line)
    assert client.get(link[link.index("/reset/") :]).status_code == 410
