"""Boundaries found by the security pass around share links, tokens and limits.

A valid share link never answers 429 (failed lookups share one budget across the page, the PDF
and the FHIR route); tokens stay out of the request log; token pages are no-store; a 429 says
how long to wait and carries Retry-After; an erasure removes the mails to her care team; a
withdrawn message's text is cleared; production's session cookie is a __Host- cookie; the
access log's person filter finds share recipients.
"""

import logging
import re
import threading
import urllib.error
import urllib.request

import sqlalchemy as sa
from werkzeug.serving import make_server

from config import ProductionConfig
from portal.auth.services import create_invitation
from portal.extensions import db
from portal.models import CareTeamMember, ErasureRequest, Message, OutboxMessage, ShareLink
from tests.conftest import CSRF_RE, PASSWORD, login, post_form
from tests.test_privacy_headers import sibling_app

LINK_RE = re.compile(r"http://[^/\s]+(/s/[A-Za-z0-9_\-]+)")


def shared_link(app, make, outbox, name="Eva de Boer"):
    """Make a client who shares her summary with her verloskundige; return the link's path."""
    practitioner = make.practitioner()
    client = make.client(practitioner=practitioner, name=name)
    midwife = CareTeamMember(client_id=client.id, role="verloskundige", name="Vera de Vries",
                             email="vera@vroedvrouw.test")
    db.session.add(midwife)
    db.session.commit()
    browser = app.test_client()
    login(browser, client)
    response = post_form(browser, "/account/shares", {
        "share-member_id": str(midwife.id), "share-period_days": "30",
        "share-valid_days": "14", "share-consent": "y"})
    assert response.status_code == 302
    message = [m for m in outbox if m.kind == "share_link"][-1]
    return LINK_RE.search(message.body).group(1), client, browser


def test_a_valid_link_never_answers_429_and_guesses_share_one_budget(app, make, outbox):
    app.config["SHARE_LIMIT"] = "3 per hour"
    path, _client, _browser = shared_link(app, make, outbox)
    guesser = app.test_client()
    # One budget for the page, the PDF and the FHIR route together.
    assert guesser.get("/s/guess-1").status_code == 404
    assert guesser.get("/s/guess-2/summary.pdf").status_code == 404
    assert guesser.get("/s/guess-3/fhir.json").status_code == 404
    assert guesser.get("/s/guess-4").status_code == 429
    assert guesser.get("/s/guess-5/fhir.json").status_code == 429
    # The budget is spent, yet the working link still opens, every route of it.
    for suffix in ("", "/summary.pdf", "/fhir.json", ""):
        assert guesser.get(path + suffix).status_code == 200, suffix


def test_the_429_says_how_long_to_wait_and_carries_retry_after(app, make, outbox):
    app.config["SHARE_LIMIT"] = "1 per hour"
    guesser = app.test_client()
    guesser.set_cookie("portal_locale", "en")
    assert guesser.get("/s/guess-1").status_code == 404
    refused = guesser.get("/s/guess-2")
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 3500 <= seconds <= 3601
    assert "Please wait 60 minutes and try again." in refused.get_data(as_text=True)


def test_share_and_invitation_tokens_never_reach_the_request_log(app, make, outbox, caplog):
    path, _client, _browser = shared_link(app, make, outbox)
    token = path.rsplit("/", 1)[1]
    with app.test_request_context():
        _invitation, invite_token = create_invitation("new@example.test", "New", "client", None)
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            for url in (f"{base}{path}", f"{base}{path}/summary.pdf", f"{base}/invite/"
                        f"{invite_token}", f"{base}/s/{'x' * 43}"):
                try:
                    urllib.request.urlopen(url, timeout=10).read()
                except urllib.error.HTTPError:
                    pass
    finally:
        server.shutdown()
        thread.join(timeout=5)
    logged = "\n".join(record.getMessage() for record in caplog.records
                       if record.name == "werkzeug")
    assert "GET /s/[token] HTTP" in logged and "GET /invite/[token] HTTP" in logged
    for secret in (token, invite_token, "x" * 43):
        assert secret not in logged


def test_an_invitation_page_is_no_store(app):
    with app.test_request_context():
        _invitation, token = create_invitation("new@example.test", "New", "client", None)
    db.session.commit()
    response = app.test_client().get(f"/invite/{token}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/invite/nonsense").headers["Cache-Control"] == "no-store"


def test_an_erasure_removes_the_mails_to_her_care_team(app, make, outbox, login_as):
    path, client, browser = shared_link(app, make, outbox)
    share = db.session.scalar(sa.select(ShareLink))
    assert share.outbox_message_id is not None
    other_path, _other, _b = shared_link(app, make, outbox, name="Olga Other")
    admin_browser, _admin = login_as("admin")
    post_form(browser, "/account/erasure",
              {"erasure-current_password": PASSWORD, "erasure-confirm": "y"})
    erasure = db.session.scalar(sa.select(ErasureRequest))
    assert erasure is not None and erasure.user_id == client.id
    post_form(admin_browser, f"/account/admin/erasure/{erasure.id}",
              {f"r{erasure.id}-decision": "erase"}, token_from="/account/admin/erasure")
    db.session.expire_all()
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(
        OutboxMessage.recipient == "vera@vroedvrouw.test")).all()
    # Olga's mail to the same midwife stays; Eva's is gone.
    assert kinds == ["share_link"]
    assert app.test_client().get(other_path).status_code == 200


def test_a_withdrawn_message_is_cleared(app, make):
    practitioner = make.practitioner()
    mother = make.client(practitioner=practitioner)
    browser = app.test_client()
    login(browser, mother)
    page = browser.get("/messages/").get_data(as_text=True)
    browser.post("/messages/", data={"body": "I regret writing this",
                                     "csrf_token": CSRF_RE.search(page).group(1)})
    message = db.session.scalar(sa.select(Message))
    assert message.body == "I regret writing this"
    response = post_form(browser, f"/messages/{message.id}/withdraw", token_from="/messages/")
    assert response.status_code in (302, 303)
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert message.withdrawn_at is not None and message.body == ""


def test_the_production_session_cookie_is_a_host_cookie(app, make):
    assert ProductionConfig.SESSION_COOKIE_NAME.startswith("__Host-")
    secure = sibling_app(app, SESSION_COOKIE_SECURE=True,
                         SESSION_COOKIE_NAME=ProductionConfig.SESSION_COOKIE_NAME)
    user = make.client()
    browser = secure.test_client()
    page = browser.get("/login", base_url="https://portal.example/").get_data(as_text=True)
    response = browser.post(
        "/login",
        data={"email": user.email, "password": "a calm walk in the park",
              "csrf_token": CSRF_RE.search(page).group(1)},
        base_url="https://portal.example/",
        headers={"Referer": "https://portal.example/login"},
    )
    assert response.status_code == 302
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-")]
    # What a browser demands of a __Host- cookie: Secure, Path=/ and no Domain.
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_the_access_log_finds_share_recipients(app, make, outbox, login_as):
    path, client, _browser = shared_link(app, make, outbox)
    recipient = app.test_client()
    assert recipient.get(path).status_code == 200
    admin_browser, _admin = login_as("admin")
    page = admin_browser.get("/admin/access-log/").get_data(as_text=True)
    match = re.search(r'<option value="(-\d+)"[^>]*>\s*Vera de Vries \(vera@vroedvrouw\.test\)',
                      page)
    assert match, "the recipient is not offered in the person filter"
    filtered = admin_browser.get(f"/admin/access-log/?user={match.group(1)}")
    assert filtered.status_code == 200
    body = filtered.get_data(as_text=True)
    assert body.count("vera@vroedvrouw.test") >= 2  # the option and the row
