"""The referral summary for colleagues, risk first: page 1 of the PDF and the share page name an
EPDS item-10 answer with its date in clinical words, nothing in any referral or share output
addresses a reader as "u"/"you", and withdrawing consent closes her links for everyone."""

import html
import io
import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pypdf
import pytest
import sqlalchemy as sa

from portal.auth.consent import consent_text
from portal.auth.services import record_consent
from portal.extensions import db
from portal.models import CareTeamMember, ContactAttempt, Flag, ShareLink
from portal.models.flags import LEVEL_RANK
from portal.reports.pdf import render_pdf, render_summary_html
from portal.reports.summary import REFERRAL, build_summary, last_days
from tests.conftest import login, post_form
from tests.test_reports_factory import add_response, at_noon, fill_client

LINK_RE = re.compile(r"http://[^/\s]+(/s/[A-Za-z0-9_\-]+)")
# Second-person address as a word, in Dutch and English.
SECOND_PERSON = re.compile(r"(?<![\w'’-])(u|uw|you|your)(?![\w'’-])", re.IGNORECASE)
ACK_NOTE = "Called her, GP appointment tomorrow."
ITEM10_DAYS_AGO = 6


class VisibleText(HTMLParser):
    """Collect what a reader sees or hears on a page: text, alt, title and aria-label."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "title"):
            self._hidden += 1
        for name, value in attrs:
            if name in ("alt", "title", "aria-label", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "title"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return re.sub(r"\s+", " ", html.unescape(" ".join(parser.parts)))


def pdf_pages(data: bytes) -> list[str]:
    return [re.sub(r"[\s\u200b]+", " ", page.extract_text())
            for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def second_person(text: str) -> list[str]:
    """Return each second-person word with a little context, for a readable failure."""
    return [text[max(0, m.start() - 40):m.end() + 40] for m in SECOND_PERSON.finditer(text)]


def make_at_risk(make, *, days=30):
    """A mother with a full record, an EPDS with item 10 = 2 (total 2) and a later EPDS of 0,
    an open urgent safety flag, an acknowledged flag with its note, a call, her phone and an
    emergency contact."""
    full = fill_client(make, days=days)
    client = full.client
    profile = client.profile
    profile.date_of_birth = date(1994, 3, 7)
    profile.phone = "+31612345678"
    profile.emergency_contact_name = "Jan de Boer"
    profile.emergency_contact_relation = "partner"
    profile.emergency_contact_phone = "+31687654321"
    item10_day = full.today - timedelta(days=ITEM10_DAYS_AGO)
    answered = add_response(client, "epds", [0, 0, 0, 0, 0, 0, 0, 0, 0, 2], item10_day)
    add_response(client, "epds", [0] * 10, full.today - timedelta(days=1))
    db.session.flush()
    # As portal.flags raises it: the response's id, total and date, and the item-10 score.
    safety = Flag(client_id=client.id, rule="safety", level="urgent",
                  level_rank=LEVEL_RANK["urgent"], episode_key=str(answered.id),
                  evidence={"response_id": answered.id, "total": 2,
                            "submitted_on": item10_day.isoformat(), "item_10": 2},
                  raised_at=at_noon(item10_day))
    handled = Flag(client_id=client.id, rule="epds_raised", level="medium",
                   level_rank=LEVEL_RANK["medium"], evidence={"total": 11},
                   raised_at=at_noon(full.today - timedelta(days=9)),
                   acknowledged_at=at_noon(full.today - timedelta(days=8)),
                   acknowledged_by_id=full.practitioner.id, acknowledgement_note=ACK_NOTE)
    db.session.add_all([safety, handled])
    db.session.flush()
    db.session.add(ContactAttempt(flag_id=safety.id, client_id=client.id,
                                  caller_id=full.practitioner.id, callee="Jan de Boer (partner)",
                                  outcome="no_answer", note="CALL NOTE stays in the practice",
                                  at=at_noon(item10_day)))
    db.session.commit()
    return full, item10_day


@pytest.fixture
def at_risk(app, make):
    with app.test_request_context():
        yield make_at_risk(make)


def referral(full, locale, days=30, **kwargs):
    period = last_days(days, full.today)
    return build_summary(full.client, period.start, period.end, audience=REFERRAL,
                         locale=locale, **kwargs)


ITEM10_WORDS = {
    "nl": ("Huidig risico", "EPDS vraag 10 (gedachten om zichzelf iets aan te doen)",
           "\"Soms\" (2 van 3)"),
    "en": ("Current risk", "EPDS item 10 (thoughts of harming herself)",
           "\"Sometimes\" (2 of 3)"),
}
DATE_FORMAT = {"nl": "{d} {month} {y}", "en": "{d} {month} {y}"}
MONTHS = {
    "nl": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}


def long_date(day: date, locale: str) -> str:
    return f"{day.day} {MONTHS[locale][day.month - 1]} {day.year}"


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_page_one_of_the_referral_pdf_names_the_item10_answer_with_its_date(app, at_risk,
                                                                             locale):
    full, item10_day = at_risk
    with app.test_request_context():
        pages = pdf_pages(render_pdf(referral(full, locale, reason="Verwijzing POH-GGZ")))
    first = pages[0]
    heading, item, answer = ITEM10_WORDS[locale]
    for expected in (heading, item, answer, long_date(item10_day, locale),
                     "Verwijzing POH-GGZ", ACK_NOTE, "06 12345678", "Jan de Boer"):
        assert expected in first, (expected, first)
    # The open urgent flag is in the box with its age.
    assert ("Open flag (urgent)" if locale == "en" else "Open signaal (urgent)") in first
    # The check-in averages come after page 1.
    averages = "Check-ins: averages" if locale == "en" else "Check-ins: gemiddelden"
    assert averages not in first and any(averages in page for page in pages[1:])
    # The risk box comes before the scores, and the later EPDS of 0 is never its headline.
    assert first.index(heading) < first.index("EPDS" + (" of " if locale == "en" else " van "))
    assert "CALL NOTE" not in " ".join(pages)


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_mothers_wording_never_reaches_the_referral_summary(app, at_risk, locale):
    full, _day = at_risk
    with app.test_request_context():
        summary = referral(full, locale, days=90)
    assert summary.insights is None and summary.flags.wording == ()
    text = " ".join(_strings_of(summary))
    assert not second_person(text), second_person(text)


def _strings_of(value):
    """Yield every text a summary holds, through its dataclasses, tuples and mappings."""
    if isinstance(value, str):
        yield value
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _strings_of(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_of(item)
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _strings_of(item)


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_no_risk_box_without_an_item10_answer_or_open_risk_flag(app, make, locale):
    with app.test_request_context():
        full = fill_client(make, days=30)
        summary = referral(full, locale)
        assert summary.front.risks == ()
        page = render_summary_html(summary)
    assert "data-risk-box" not in page


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_latest_scores_show_band_source_reliable_change_and_the_whole_history(
        app, at_risk, locale):
    full, _day = at_risk
    with app.test_request_context():
        front = referral(full, locale, days=7).front
    (epds,) = [card for card in front.scores if card.instrument == "epds"]
    assert epds.total == 0
    # Over the whole history, not only the 7 days: the fortnightly EPDS of weeks ago count.
    assert len(epds.history) > 2
    assert "Cox" in epds.source and "Pop" in epds.source
    assert epds.since_previous.startswith("-8 ")  # from 8, three days before, to 0
    assert epds.item10_note  # item 10 earlier in the period stays beside the latest score
    assert "Matthey 2004" in epds.since_previous


def _share_outputs(app, full, locale, outbox):
    """Share as the mother, open as the midwife: page, PDF and FHIR, in one language."""
    midwife = CareTeamMember(client_id=full.client.id, role="verloskundige",
                             name="Vera de Vries", email="vera@vroedvrouw.test")
    db.session.add(midwife)
    db.session.commit()
    mother = app.test_client()
    login(mother, full.client)
    mother.set_cookie("portal_locale", locale)
    response = post_form(mother, "/account/shares", {
        "share-member_id": str(midwife.id), "share-period_days": "30",
        "share-valid_days": "14", "share-reason": "Overdracht aan de verloskundige",
        "share-consent": "y"})
    assert response.status_code == 302
    path = LINK_RE.search([m for m in outbox if m.kind == "share_link"][-1].body).group(1)
    recipient = app.test_client()
    recipient.set_cookie("portal_locale", locale)
    return path, recipient


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_no_referral_or_share_output_addresses_anyone_as_u_or_you(app, at_risk, locale,
                                                                  outbox):
    full, _day = at_risk
    app.config["SHARE_LIMIT"] = "1000 per minute"
    outputs = {}
    with app.test_request_context():
        for days in (7, 30, 90):
            summary = referral(full, locale, days=days, reason="Reden")
            outputs[f"referral html {days}"] = visible(render_summary_html(summary))
            outputs[f"referral pdf {days}"] = " ".join(pdf_pages(render_pdf(summary)))
    path, recipient = _share_outputs(app, full, locale, outbox)
    page = recipient.get(path)
    assert page.status_code == 200
    outputs["share page"] = visible(page.get_data(as_text=True))
    outputs["share e-mail"] = [m for m in outbox if m.kind == "share_link"][-1].body
    outputs["share pdf"] = " ".join(pdf_pages(recipient.get(f"{path}/summary.pdf").data))
    bundle = json.loads(recipient.get(f"{path}/fhir.json").data)
    outputs["share fhir"] = " ".join(_strings(bundle))
    staff = app.test_client()
    login(staff, full.practitioner)
    staff.set_cookie("portal_locale", locale)
    downloaded = post_form(staff, f"/reports/clients/{full.client.id}/referral.pdf?days=30",
                           {"referral-reason": "Overleg huisarts"})
    assert downloaded.status_code == 200
    outputs["downloaded referral pdf"] = " ".join(pdf_pages(downloaded.data))
    found = {name: second_person(text) for name, text in outputs.items()}
    assert not any(found.values()), {name: hits for name, hits in found.items() if hits}
    # The scan reads real text: the item-10 answer and the reason are there.
    assert "Overdracht aan de verloskundige" in outputs["share page"]
    assert "Overleg huisarts" in outputs["downloaded referral pdf"]
    assert ITEM10_WORDS[locale][0] in outputs["share page"]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_share_page_has_a_recipients_layout(app, at_risk, locale, outbox):
    full, _day = at_risk
    path, recipient = _share_outputs(app, full, locale, outbox)
    page = recipient.get(path).get_data(as_text=True)
    assert 'class="help-bar"' not in page and "/help" not in page
    assert "/login" not in page
    assert "does not replace" not in page and "vervangt geen" not in page
    text = visible(page)
    shared = "Shared by Eva de Boer herself" if locale == "en" else "Gedeeld door Eva de Boer zelf"
    assert shared in text
    # Only what her consent names: no guidance, activities or insights.
    for left_out in ('id="guidance-title"', 'id="activities-title"', 'id="insights-title"'):
        assert left_out not in page


# --- Consent is the gate ------------------------------------------------------------------


@pytest.fixture
def shared_twice(app, make, outbox):
    """A mother who shared a link herself and one through her practitioner."""
    app.config["SHARE_LIMIT"] = "1000 per minute"
    practitioner = make.practitioner(name="Marieke van Dijk")
    client = make.client(practitioner=practitioner, name="Eva de Boer")
    with app.test_request_context():
        record_consent(client, consent_text(client.role))
    midwife = CareTeamMember(client_id=client.id, role="verloskundige", name="Vera",
                             email="vera@vroedvrouw.test")
    db.session.add(midwife)
    db.session.commit()
    mother, staff = app.test_client(), app.test_client()
    login(mother, client)
    login(staff, practitioner)
    data = {"share-member_id": str(midwife.id), "share-period_days": "30",
            "share-valid_days": "14", "share-consent": "y"}
    assert post_form(mother, "/account/shares", data).status_code == 302
    assert post_form(staff, f"/practice/clients/{client.id}/shares", data).status_code == 302
    paths = [LINK_RE.search(m.body).group(1) for m in outbox if m.kind == "share_link"]
    return mother, staff, client, data, paths


def share_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ShareLink))


def test_withdrawing_consent_closes_every_link_and_refuses_new_ones_for_both_roles(
        app, shared_twice, outbox):
    mother, staff, client, data, paths = shared_twice
    client.locale = "en"
    db.session.commit()
    recipient = app.test_client()
    assert all(recipient.get(path).status_code == 200 for path in paths)
    account = mother.get("/account/").get_data(as_text=True)
    assert "closes at once every link" in html.unescape(account)  # told before confirming
    response = post_form(mother, "/account/consent/withdraw", {"withdraw-confirm": "y"})
    assert response.status_code == 302
    for path in paths:
        for suffix in ("", "/summary.pdf", "/fhir.json"):
            assert recipient.get(path + suffix).status_code == 404, path + suffix
    rows = db.session.scalars(sa.select(ShareLink)).all()
    assert {row.revoked_reason for row in rows} == {"consent_withdrawn"}
    assert all(row.revoked_at is not None for row in rows)

    before, mails = share_count(), len(outbox)
    refused = post_form(mother, "/account/shares", data)
    assert refused.status_code == 422
    assert "You have withdrawn your consent" in html.unescape(refused.get_data(as_text=True))
    refused = post_form(staff, f"/practice/clients/{client.id}/shares", data)
    assert refused.status_code == 422
    staff_page = html.unescape(refused.get_data(as_text=True))
    assert "Cliënte heeft haar toestemming ingetrokken" in staff_page
    assert share_count() == before and len(outbox) == mails

    # Given again, she can share again; the closed links stay closed.
    assert post_form(mother, "/account/consent/give", {"consent-agree": "y"}).status_code == 302
    assert post_form(mother, "/account/shares", data).status_code == 302
    assert all(recipient.get(path).status_code == 404 for path in paths)


def test_a_link_whose_consent_is_withdrawn_is_404_even_if_left_open(app, shared_twice):
    """Defence in depth: a link the withdrawal somehow missed still opens nothing."""
    _mother, _staff, client, _data, paths = shared_twice
    client.profile.collection_paused = True
    db.session.commit()
    assert app.test_client().get(paths[0]).status_code == 404


def test_a_link_made_under_the_earlier_consent_does_not_show_her_phone(app, at_risk, outbox):
    """Her phone and emergency contact joined the share consent in version 2027-01."""
    full, _day = at_risk
    path, recipient = _share_outputs(app, full, "en", outbox)
    text = visible(recipient.get(path).get_data(as_text=True))
    assert "06 12345678" in text and "Jan de Boer (partner)" in text
    share = db.session.scalar(sa.select(ShareLink))
    share.consent_version = "2026-12"
    db.session.commit()
    text = visible(recipient.get(path).get_data(as_text=True))
    assert "06 12345678" not in text and "06 87654321" not in text
    assert "Her phone number is not part of this share." in text
