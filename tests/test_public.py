"""Public pages: the help page, the contact form, language switching, error pages, headers."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Enquiry, User
from tests.conftest import login, post_form

ENQUIRY = {
    "kind": "register",
    "name": "Roos Nieuw",
    "email": "roos@example.test",
    "phone": "06 1234 5678",
    "message": "Ik ben drie weken geleden bevallen en wil graag een afspraak.",
}


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_help_page_lists_the_dutch_numbers_in_both_languages(client, locale):
    client.set_cookie("portal_locale", locale)
    html = client.get("/help").get_data(as_text=True)
    for number in ("113", "0800-0113", "113.nl", "112", "088-0767 000", "020-123 45 67"):
        assert number in html
    assert (
        ("niet dag en nacht" in html)
        if locale == "nl"
        else ("not watched around the clock" in html)
    )


def test_enquiry_reaches_the_admin_and_creates_no_account(client, make, outbox):
    admin = make.admin()
    response = post_form(client, "/contact", ENQUIRY)
    assert response.status_code == 302
    enquiry = db.session.scalar(sa.select(Enquiry))
    assert enquiry.name == "Roos Nieuw"
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert outbox[-1].to == (admin.email,)
    # The mail points to the portal instead of carrying what she wrote.
    assert ENQUIRY["message"] not in outbox[-1].body


def test_enquiry_with_bad_input_says_why_and_stores_nothing(client):
    response = post_form(
        client, "/contact", {**ENQUIRY, "email": "not-an-address", "phone": "call me"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count(Enquiry.id))) == 0


def test_enquiries_are_rate_limited(client):
    statuses = [post_form(client, "/contact", ENQUIRY).status_code for _ in range(6)]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429


def test_language_switch_sticks_in_a_cookie(client):
    assert "Inloggen" in client.get("/login").get_data(as_text=True)
    response = post_form(client, "/language", {"locale": "en", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_language_choice_is_stored_on_the_account(app, make):
    user = make.client()
    browser = app.test_client()
    login(browser, user)
    post_form(browser, "/language", {"locale": "en", "next": "/me/"}, token_from="/me/")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "en"
    other_browser = app.test_client()
    login(other_browser, user)
    assert "Sign out" in other_browser.get("/me/").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_next(client):
    response = post_form(client, "/language", {"locale": "xx", "next": "https://evil.example"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("locale", "text"), [("nl", "Pagina niet gevonden"), ("en", "Page not found")]
)
def test_404_page_in_both_languages(client, locale, text):
    client.set_cookie("portal_locale", locale)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_500_page_in_the_portal_layout(app):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Er ging iets mis aan onze kant" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_pages_with_personal_data_are_not_cached(login_as):
    test_client, _user = login_as("client")
    assert test_client.get("/me/").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/help?q=a%00b", "/guidance/modules/a%00b/", "/questionnaires/a%00"]
)
def test_nul_characters_in_the_address_get_a_clear_400(login_as, path):
    test_client, _user = login_as("client")
    response = test_client.get(path)
    assert response.status_code == 400


def test_nul_characters_in_a_form_get_a_clear_400_and_store_nothing(client):
    response = post_form(client, "/contact", {**ENQUIRY, "name": "Roos\x00"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Enquiry.id))) == 0


def test_the_service_worker_and_manifest_are_served_for_an_installable_portal(client):
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert "/help?lang=" in worker.get_data(as_text=True)
    page = client.get("/help").get_data(as_text=True)
    assert 'rel="manifest"' in page
    assert client.get("/static/manifest.webmanifest").status_code == 200


def test_the_help_page_can_be_asked_for_in_a_language(client):
    assert '<html lang="en">' in client.get("/help?lang=en").get_data(as_text=True)
    assert '<html lang="nl">' in client.get("/help?lang=nl").get_data(as_text=True)
    assert '<html lang="nl">' in client.get("/help?lang=xx").get_data(as_text=True)
    assert '<html lang="nl">' in client.get("/about?lang=en").get_data(as_text=True)
