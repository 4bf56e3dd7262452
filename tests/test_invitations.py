"""Invitations: the admin invites, the invitee sets a password and consents; single-use links."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Consent, Invitation, User
from tests.conftest import post_form

GOOD_PASSWORD = "slow mornings with tea"


def invite(test_client, **fields):
    data = {
        "full_name": "Nina Invited",
        "email": "nina@example.test",
        "role": "client",
        "practitioner_id": "0",
        "locale": "nl",
    }
    data.update(fields)
    return post_form(test_client, "/admin/invite", data, token_from="/admin/invite")


def invitation_path(outbox) -> str:
    line = next(line for line in outbox[-1].body.splitlines() if "/invite/" in line)
    return line[line.index("/invite/") :].strip()


@pytest.fixture
def admin_client(login_as):
    test_client, _admin = login_as("admin")
    return test_client


def test_admin_invites_a_client_who_accepts(admin_client, app, make, outbox):
    practitioner = make.practitioner()
    response = invite(admin_client, practitioner_id=str(practitioner.id))
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation))
    path = invitation_path(outbox)
    # Only the hash of the token is stored.
    assert path.rsplit("/", 1)[1] not in invitation.token_hash

    newcomer = app.test_client()
    page = newcomer.get(path)
    assert page.status_code == 200
    assert "Nina Invited" in page.get_data(as_text=True)
    response = post_form(
        newcomer,
        path,
        {
            "password": GOOD_PASSWORD,
            "confirm": GOOD_PASSWORD,
            "consent": "y",
            "delivery_date": "2026-10-20",
            "delivery_type": "induced_oxytocin",
            "feeding": "both",
            "baby_name": "Olivia",
        },
        token_from=path,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/me/"
    user = db.session.scalar(sa.select(User).where(User.email == "nina@example.test"))
    assert user.profile.practitioner_id == practitioner.id
    assert user.profile.delivery_type == "induced_oxytocin"
    assert user.profile.baby_name == "Olivia"
    consent = db.session.scalar(sa.select(Consent).where(Consent.user_id == user.id))
    assert consent.version == app.config["CONSENT_VERSION"]
    assert "Alleen u en uw eigen behandelaar" in consent.text or consent.text
    # The link works once.
    assert newcomer.get(path).status_code == 410


def test_client_invitation_needs_a_practitioner(admin_client):
    response = invite(admin_client)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_expired_invitation_is_refused(admin_client, app, outbox):
    invite(admin_client, role="practitioner")
    invitation = db.session.scalar(sa.select(Invitation))
    invitation.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    response = app.test_client().get(invitation_path(outbox))
    assert response.status_code == 410
    assert "verlopen" in response.get_data(as_text=True)


def test_invitation_expires_after_seven_days(admin_client, outbox):
    invite(admin_client, role="practitioner")
    invitation = db.session.scalar(sa.select(Invitation))
    lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7, seconds=5)


def test_resend_replaces_the_old_link(admin_client, app, outbox):
    invite(admin_client, role="practitioner")
    old_path = invitation_path(outbox)
    invitation = db.session.scalar(sa.select(Invitation))
    post_form(admin_client, f"/admin/invitations/{invitation.id}/resend", token_from="/admin/")
    new_path = invitation_path(outbox)
    assert new_path != old_path
    browser = app.test_client()
    assert browser.get(old_path).status_code == 410
    assert browser.get(new_path).status_code == 200


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "minstens 12 tekens"),
        ("nina@example.test", "e-mailadres"),
        ("qwerty123456", "te vaak gebruikt"),
        ("1qaz2wsx3edc", "te vaak gebruikt"),
    ],
)
def test_password_rules(admin_client, app, outbox, password, message):
    invite(admin_client, role="practitioner")
    path = invitation_path(outbox)
    browser = app.test_client()
    response = post_form(
        browser, path, {"password": password, "confirm": password, "consent": "y"}, token_from=path
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "nina@example.test")) is None


def test_consent_is_required(admin_client, app, outbox):
    invite(admin_client, role="practitioner")
    path = invitation_path(outbox)
    response = post_form(
        app.test_client(),
        path,
        {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
        token_from=path,
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1  # only the admin


def test_unknown_token_is_refused(client):
    assert client.get("/invite/not-a-real-token").status_code == 410


def test_an_english_invitation_is_accepted_in_english(admin_client, app, make, outbox):
    practitioner = make.practitioner()
    invite(admin_client, practitioner_id=str(practitioner.id), locale="en")
    path = invitation_path(outbox)
    newcomer = app.test_client()  # a fresh phone: no language cookie, so Dutch by default
    page = newcomer.get(path).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Choose a password for nina@example.test." in page
    assert "Only you and your own practitioner can see them." in page  # the consent she signs
    response = post_form(
        newcomer,
        path,
        {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD, "consent": "y"},
        token_from=path,
    )
    assert response.status_code == 302
    home = newcomer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Welcome, Nina Invited. Your account is ready." in home
    user = db.session.scalar(sa.select(User).where(User.email == "nina@example.test"))
    assert user.locale == "en"
    consent = db.session.scalar(sa.select(Consent).where(Consent.user_id == user.id))
    assert consent.locale == "en" and consent.text.startswith("The practice stores")


def test_an_english_invitation_says_what_is_wrong_in_english(admin_client, app, make, outbox):
    practitioner = make.practitioner()
    invite(admin_client, practitioner_id=str(practitioner.id), locale="en")
    path = invitation_path(outbox)
    newcomer = app.test_client()
    response = post_form(newcomer, path, {"password": "short"}, token_from=path)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page and "Create my account" in page
