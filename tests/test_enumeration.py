"""No answer tells a visitor whether an address has an account (account enumeration).

Changing the sign-in address answers the same for a taken address as for a free one, and the
owner of the taken address is told instead; a reset request answers the same, and does the same
work, whether or not the account exists.
"""

import re

from flask import template_rendered

from portal.extensions import db
from tests.conftest import csrf_token
from tests.test_privacy import ask_for_new_email

# Every form's token (password-csrf_token, email-csrf_token...) carries the second it was made.
CSRF_TOKENS = re.compile(r'name="[\w-]*csrf_token"( type="hidden")? value="[^"]+"')


def _without(text: str, *addresses: str) -> str:
    """Blank out what differs by nature: the addresses asked for and the CSRF tokens."""
    for address in addresses:
        text = text.replace(address, "ADDRESS")
    return CSRF_TOKENS.sub("CSRF", text)


def test_a_taken_address_answers_like_a_free_one_and_its_owner_is_told(app, login_as, make,
                                                                       outbox):
    """Nobody learns from the answer whether an address has an account (account enumeration)."""
    taken = make.client(email="taken@example.test")
    taken.locale = "en"
    browser, user = login_as("client")
    user.locale = "en"
    db.session.commit()

    free_answer = ask_for_new_email(browser, "free@example.test")
    free_page = browser.get(free_answer.headers["Location"]).get_data(as_text=True)
    free_mail = list(outbox)
    before = len(free_mail)
    taken_answer = ask_for_new_email(browser, "taken@example.test")
    taken_page = browser.get(taken_answer.headers["Location"]).get_data(as_text=True)

    assert (taken_answer.status_code, taken_answer.headers["Location"]) == (
        free_answer.status_code, free_answer.headers["Location"]) == (302, "/account/")
    strip = ("free@example.test", "taken@example.test")
    assert _without(taken_page, *strip) == _without(free_page, *strip)
    # Her own address is told in both cases; the taken address gets no link but a warning.
    assert [m.to for m in free_mail] == [("free@example.test",), (user.email,)]
    assert [m.to for m in outbox[before:]] == [("taken@example.test",), (user.email,)]
    warning = outbox[before]
    assert "/account/email/confirm/" not in warning.body
    assert "tried to use this address" in warning.body
    assert user.email not in warning.body  # the owner learns nothing about who tried
    # The account keeps its address; the taken one cannot be confirmed by anyone.
    db.session.refresh(user)
    assert user.email != "taken@example.test"


def _reset_request(app, address: str) -> tuple[int, str, str, list[str]]:
    """Ask for a reset link; return status, target, the page it leads to and the templates used."""
    browser = app.test_client()
    browser.set_cookie("portal_locale", "en")
    token = csrf_token(browser, "/reset")
    rendered: list[str] = []

    def record(_sender, template, context, **_extra):
        rendered.append(template.name)

    with template_rendered.connected_to(record, app):
        response = browser.post("/reset", data={"email": address, "csrf_token": token})
    page = CSRF_TOKENS.sub("CSRF", browser.get(response.headers["Location"]).get_data(as_text=True))
    return response.status_code, response.headers["Location"], page, rendered


def test_a_reset_request_answers_and_works_alike_whether_or_not_the_account_exists(
    app, make, outbox
):
    known = make.client(email="known@example.test")
    inactive = make.client(email="gone@example.test")
    inactive.active = False
    db.session.commit()
    answers = {address: _reset_request(app, address)
               for address in ("known@example.test", "nobody@example.test", "gone@example.test")}
    assert len({(status, target, page) for status, target, page, _r in answers.values()}) == 1
    status, target, page, _rendered = answers["known@example.test"]
    assert (status, target) == (302, "/login")
    assert "If this address belongs to an account" in page
    # The same work: the e-mail body is written either way, only the known one is sent.
    assert len({tuple(rendered) for *_answer, rendered in answers.values()}) == 1
    assert "emails/password_reset.txt" in answers["nobody@example.test"][3]
    assert [message.to for message in outbox] == [(known.email,)]
