"""Staff may be anyone: texts about a practitioner or an admin do not call them "she" or "he".

The mother is "she" (or "you" on her own pages); a practitioner, a colleague taking over or an
admin is named by role ("your practitioner", "de behandelaar") in both languages. Each page is
read as its reader gets it, in English and in Dutch: in a paragraph that speaks of the
practitioner, no subject pronoun (she/he, zij/hij) may stand for them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from portal.extensions import db

STAFF_WORDS = re.compile(
    r"\b(practitioners?|colleague|admins?|behandelaars?|collega|beheerders?)\b"
)
# "her practitioner" is hers (the client's); a subject pronoun is what would gender the staff.
SUBJECT_PRONOUNS = {
    "en": re.compile(r"\b(she|he)\b", re.IGNORECASE),
    # Not "ze": on these pages it is the plural ("Uw behandelaar ziet ze ook": the care team).
    "nl": re.compile(r"\b(zij|hij)\b", re.IGNORECASE),
}


class _Paragraphs(HTMLParser):
    """Collect the text of each <p> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.paragraphs: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            self._open = []

    def handle_endtag(self, tag):
        if tag == "p" and self._open is not None:
            self.paragraphs.append(" ".join("".join(self._open).split()))
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)


def _staff_paragraphs(html: str) -> list[str]:
    parser = _Paragraphs()
    parser.feed(html)
    return [text for text in parser.paragraphs if STAFF_WORDS.search(text)]


def _gendered(html: str, language: str) -> list[str]:
    return [
        text for text in _staff_paragraphs(html) if SUBJECT_PRONOUNS[language].search(text)
    ]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_her_account_page_says_who_calls_her_without_gendering_the_practitioner(
    login_as, language
):
    browser, mother = login_as("client")
    mother.locale = language
    db.session.commit()

    html = browser.get("/account/").get_data(as_text=True)

    # The paragraph is there to be read (a test that finds no paragraph could not fail).
    assert any("practitioner" in text or "behandelaar" in text for text in _staff_paragraphs(html))
    assert _gendered(html, language) == []


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_urgent_flags_page_tells_the_admin_what_to_do_without_gendering_the_practitioner(
    login_as, language
):
    browser, admin = login_as("admin")
    admin.locale = language
    db.session.commit()

    html = browser.get("/admin/flags").get_data(as_text=True)

    assert any("practitioner" in text or "behandelaar" in text for text in _staff_paragraphs(html))
    assert _gendered(html, language) == []
