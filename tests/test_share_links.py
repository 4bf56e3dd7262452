"""Share links: she (or her practitioner, with her consent) sends her referral summary to a
care-team member, who opens it without an account; she sees every link and revokes it."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from portal.extensions import db
from portal.models import AuditEvent, CareTeamMember, ShareLink, User
from portal.tokens import hash_token
from tests.conftest import login, post_form
from tests.test_reports_factory import add_checkin, add_note

LINK_RE = re.compile(r"http://[^/\s]+(/s/[A-Za-z0-9_\-]+)")


@pytest.fixture
def app_config() -> dict:
    return {"SHARE_LIMIT": "1000 per minute"}


def english(user: User) -> User:
    user.locale = "en"
    db.session.commit()
    return user


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def mother(login_as, make):
    """A signed-in client with a practitioner, a verloskundige with e-mail and a GP without."""
    practitioner = make.practitioner(name="Marieke van Dijk")
    browser, client = login_as("client", practitioner=practitioner, name="Eva de Boer",
                               date_of_birth=date(1994, 3, 7))
    english(client)
    midwife = CareTeamMember(client_id=client.id, role="verloskundige", name="Vera de Vries",
                             email="vera@vroedvrouw.test", phone="+31301234567")
    gp = CareTeamMember(client_id=client.id, role="huisarts", name="Dr. Bakker")
    db.session.add_all([midwife, gp])
    today = datetime.now(UTC).date()
    add_checkin(client, today - timedelta(days=1), mood=4)
    add_note(client, practitioner, "Shared: evening walks help.", today - timedelta(days=2), True)
    add_note(client, practitioner, "PRIVATE: ask about home.", today - timedelta(days=2), False)
    db.session.commit()
    return browser, client, midwife, gp, practitioner


def share(browser, member, **fields):
    data = {"share-member_id": str(member.id), "share-period_days": "30",
            "share-valid_days": "14", "share-consent": "y"}
    data.update(fields)
    return post_form(browser, "/account/shares", data)


def sent_link(outbox) -> str:
    (message,) = [m for m in outbox if m.kind == "share_link"]
    return LINK_RE.search(message.body).group(1)


def test_she_shares_and_the_midwife_opens_it_without_an_account(app, mother, outbox):
    browser, client, midwife, _gp, practitioner = mother
    response = share(browser, midwife)
    assert response.status_code == 302
    row = db.session.scalar(sa.select(ShareLink))
    assert row.recipient_email == "vera@vroedvrouw.test"
    assert row.consent_version == "2027-01" and "Vera de Vries" in row.consent_text
    assert not row.consent_recorded_by_practitioner
    assert timedelta(days=13, hours=23) < row.expires_at - row.created_at <= timedelta(days=14)
    (message,) = [m for m in outbox if m.kind == "share_link"]
    assert message.recipient == "vera@vroedvrouw.test"
    assert "Eva de Boer" not in message.body and "E.d.B." in message.body  # initials only
    # The date in her colleague's language (Dutch), never an ISO date.
    until = format_date(row.expires_at.astimezone(ZoneInfo("Europe/Amsterdam")), "d MMMM y",
                        locale="nl")
    assert f"tot {until}." in message.body and row.expires_at.date().isoformat() not in message.body
    path = sent_link(outbox)
    assert row.token_hash == hash_token(path.rsplit("/", 1)[1])  # only the hash is stored

    recipient = app.test_client()
    recipient.set_cookie("portal_locale", "en")
    page = recipient.get(path)
    assert page.status_code == 200
    body = text_of(page)
    for expected in ("Referral summary", "Eva de Boer", "7 March 1994", "Marieke van Dijk",
                     "Shared: evening walks help."):
        assert expected in body, expected
    assert "PRIVATE" not in body
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in body
    pdf = recipient.get(f"{path}/summary.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Referrer-Policy"] == "no-referrer"

    db.session.expire_all()
    assert db.session.get(ShareLink, row.id).open_count == 2
    opened = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "share_opened")).all()
    assert len(opened) == 2
    assert all(e.actor_id is None and e.client_id == client.id for e in opened)
    assert opened[0].actor_label == "Vera de Vries (vera@vroedvrouw.test)"
    # She sees who opened it, in plain words, and how often.
    account = text_of(browser.get("/account/"))
    assert "opened 2 times" in account
    log = account.split('id="log-heading"')[1]
    assert ("Vera de Vries (vera@vroedvrouw.test) <small>(Recipient of a share link)</small>"
            "</td><td>Opened the summary shared through a link") in log


def test_she_revokes_and_the_link_is_the_same_404_as_an_unknown_one(app, mother, outbox):
    browser, _client, midwife, _gp, _p = mother
    share(browser, midwife)
    path = sent_link(outbox)
    row = db.session.scalar(sa.select(ShareLink))
    recipient = app.test_client()
    assert recipient.get(path).status_code == 200
    response = post_form(browser, f"/account/shares/{row.id}/revoke")
    assert response.status_code == 302
    assert "No open links." in text_of(browser.get("/account/"))
    revoked = recipient.get(path)
    unknown = recipient.get("/s/" + "x" * 43)
    assert revoked.status_code == unknown.status_code == 404
    assert recipient.get(f"{path}/summary.pdf").status_code == 404
    assert revoked.headers["Cache-Control"] == "no-store"
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", revoked.get_data(as_text=True)) == strip.sub(
        "", unknown.get_data(as_text=True)).replace("x" * 43, path.rsplit("/", 1)[1])


def test_an_expired_link_is_404(app, mother, outbox):
    browser, _client, midwife, _gp, _p = mother
    share(browser, midwife, **{"share-valid_days": "1"})
    path = sent_link(outbox)
    row = db.session.scalar(sa.select(ShareLink))
    row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_a_link_reaches_only_her_summary(app, mother, outbox, make):
    browser, client, midwife, _gp, practitioner = mother
    other = make.client(practitioner=practitioner, name="Olga Other")
    add_note(other, practitioner, "Shared: OTHER CLIENT", datetime.now(UTC).date(), True)
    db.session.commit()
    share(browser, midwife)
    path = sent_link(outbox)
    recipient = app.test_client()
    assert "Olga" not in text_of(recipient.get(path))
    # The token opens nothing else: every other page wants a sign-in or does not exist.
    for url in (f"/practice/clients/{other.id}", f"/practice/clients/{client.id}", "/account/",
                f"/reports/clients/{other.id}.pdf", "/reports/me", "/me/"):
        response = recipient.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for url in (f"{path}/../{other.id}", f"{path}/fhir", f"{path}x", f"{path}/summary.pdf/x",
                f"/s/{other.id}", f"{path}/{other.id}"):
        assert recipient.get(url).status_code == 404, url
    assert recipient.post(path).status_code in (400, 405)


def test_guessing_tokens_is_rate_limited_but_a_working_link_is_not(app, mother, outbox):
    app.config["SHARE_LIMIT"] = "3 per hour"
    browser, _client, midwife, _gp, _p = mother
    share(browser, midwife)
    path = sent_link(outbox)
    guesser = app.test_client()
    for _ in range(5):
        assert guesser.get(path).status_code == 200
    for attempt in range(3):
        assert guesser.get(f"/s/guess{attempt}").status_code == 404
    assert guesser.get("/s/guess-more").status_code == 429


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"share-valid_days": "91"}, "A link can stay open for 1 to 90 days."),
        ({"share-valid_days": "0"}, "A link can stay open for 1 to 90 days."),
        ({"share-valid_days": ""}, "Say how many days the link stays open."),
        ({"share-consent": ""}, "Tick the box to give your consent, or do not share."),
        ({"share-period_days": "365"}, "Not a valid choice."),
    ],
)
def test_a_bad_share_is_refused(mother, outbox, fields, message):
    browser, _client, midwife, _gp, _p = mother
    response = share(browser, midwife, **fields)
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ShareLink)) == 0
    assert not [m for m in outbox if m.kind == "share_link"]


def test_only_her_members_with_an_address_can_receive(mother, make, outbox):
    browser, _client, _midwife, gp, _p = mother
    stranger = make.client()
    theirs = CareTeamMember(client_id=stranger.id, role="huisarts", name="X",
                            email="x@elsewhere.test")
    db.session.add(theirs)
    db.session.commit()
    for member in (gp, theirs):
        response = share(browser, member)
        assert response.status_code == 422
        assert "Not a valid choice." in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ShareLink)) == 0


def test_her_practitioner_shares_with_her_recorded_consent(app, mother, outbox, make):
    _browser, client, midwife, _gp, practitioner = mother
    staff = app.test_client()
    login(staff, practitioner)
    data = {"share-member_id": str(midwife.id), "share-period_days": "7",
            "share-valid_days": "90", "share-consent": "y"}
    response = post_form(staff, f"/practice/clients/{client.id}/shares", data)
    assert response.status_code == 302
    row = db.session.scalar(sa.select(ShareLink))
    assert row.consent_recorded_by_practitioner and row.created_by_id == practitioner.id
    assert (row.period_end - row.period_start).days == 6
    no_consent = post_form(staff, f"/practice/clients/{client.id}/shares",
                           {**data, "share-consent": ""})
    assert no_consent.status_code == 422
    other = app.test_client()
    login(other, make.practitioner())
    assert post_form(other, f"/practice/clients/{client.id}/shares", data).status_code == 404
    assert post_form(other, f"/practice/clients/{client.id}/shares/{row.id}/revoke"
                     ).status_code == 404
    assert post_form(staff, f"/practice/clients/{client.id}/shares/{row.id}/revoke"
                     ).status_code == 302
    db.session.expire_all()
    assert db.session.get(ShareLink, row.id).revoked_at is not None


def test_another_client_cannot_revoke_her_link(mother, outbox, login_as):
    browser, _client, midwife, _gp, _p = mother
    share(browser, midwife)
    row = db.session.scalar(sa.select(ShareLink))
    stranger, _ = login_as("client")
    assert post_form(stranger, f"/account/shares/{row.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ShareLink, row.id).revoked_at is None


def test_removing_a_member_closes_their_links(app, mother, outbox):
    browser, _client, midwife, _gp, _p = mother
    share(browser, midwife)
    path = sent_link(outbox)
    post_form(browser, f"/account/care-team/{midwife.id}/remove")
    assert app.test_client().get(path).status_code == 404
    row = db.session.scalar(sa.select(ShareLink))
    assert row.revoked_at is not None and row.recipient_name == "Vera de Vries"
