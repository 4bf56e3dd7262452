"""The referral version of the one ProgressSummary: identifiers and a sender for colleagues,
clinical wording, how flags were handled, and never a private note (nor a call's own note)."""

import io
import re
from datetime import date, timedelta

import pypdf
import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, ContactAttempt, Flag
from portal.reports.pdf import render_pdf, render_summary_html
from portal.reports.summary import CLIENT, PRACTITIONER, REFERRAL, build_summary, last_days
from tests.conftest import login
from tests.test_reports_factory import add_note, fill_client

PRIVATE_TEXTS = ("Private: ask about support at home.", "CALL NOTE: partner says she sleeps badly")
ACKNOWLEDGEMENT_NOTE = "Called her; she is seeing her GP."


def pdf_text(data: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return re.sub(r"[\s\u200b]+", "", "".join(page.extract_text() for page in pages))


def squeeze(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)


@pytest.fixture
def record(app, make):
    """A client with a full record, private notes, acknowledged flags and a call note."""
    with app.test_request_context():
        full = fill_client(make, days=30)
        full.client.profile.date_of_birth = date(1994, 3, 7)
        flag = db.session.scalar(sa.select(Flag).where(Flag.client_id == full.client.id))
        db.session.add(ContactAttempt(flag_id=flag.id, client_id=full.client.id,
                                      caller_id=full.practitioner.id, callee="Partner",
                                      outcome="reached", note=PRIVATE_TEXTS[1]))
        db.session.commit()
        yield full


def summary_of(record, audience, days=30, locale="en", **kwargs):
    period = last_days(days, record.today)
    return build_summary(record.client, period.start, period.end, audience=audience,
                         locale=locale, **kwargs)


@pytest.mark.parametrize("locale", ["nl", "en"])
@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_referral_version_never_holds_a_private_note(app, record, days, locale):
    with app.test_request_context():
        summary = summary_of(record, REFERRAL, days, locale)
        practitioner = summary_of(record, PRACTITIONER, days, locale)
        assert any(not note.shared for note in practitioner.notes)  # there is one to leave out
        assert all(note.shared for note in summary.notes)
        html = render_summary_html(summary)
        for private in PRIVATE_TEXTS:
            assert private not in html
            assert private not in repr(summary)
        assert "Shared: keep up the evening walks." in html
        # What the practice did about a flag is part of the handling she consented to share.
        if any(flag.acknowledged_text for flag in summary.flags.details):
            assert ACKNOWLEDGEMENT_NOTE in html


def test_the_referral_pdf_names_her_and_the_sender_but_no_private_note(app, record):
    with app.test_request_context():
        summary = summary_of(record, REFERRAL)
        text = pdf_text(render_pdf(summary))
    for private in PRIVATE_TEXTS:
        assert squeeze(private) not in text
    for expected in ("Referral summary", "Eva de Boer", "Date of birth", "7 March 1994",
                     "1 June 2026", "Sender", "Marieke van Dijk", ACKNOWLEDGEMENT_NOTE,
                     app.config["PRACTICE_NAME"], app.config["PRACTICE_PHONE"],
                     "Shared: keep up the evening walks."):
        assert squeeze(expected) in text, expected
    # Scores with their bands in clinical wording, flags with their handling.
    assert squeeze("GAD-7 5-9: mild anxiety.") in text
    assert squeeze("Acknowledged") in text and "Flags" in text


def test_all_three_versions_hold_the_same_numbers(app, record):
    with app.test_request_context():
        versions = {audience: summary_of(record, audience)
                    for audience in (CLIENT, PRACTITIONER, REFERRAL)}
    numbers = {audience: ([a.value_text for a in s.averages],
                          [(q.instrument, q.total, q.band_key) for q in s.questionnaires],
                          (s.flags.raised, s.flags.acknowledged, s.flags.still_open))
               for audience, s in versions.items()}
    assert numbers[CLIENT] == numbers[PRACTITIONER] == numbers[REFERRAL]
    # Only the referral version names her date of birth and a sender.
    assert versions[CLIENT].sender is None and versions[PRACTITIONER].sender is None
    assert versions[REFERRAL].date_of_birth_text == "7 March 1994"


def test_a_withdrawn_shared_note_stays_out(app, record):
    with app.test_request_context():
        note = add_note(record.client, record.practitioner, "Shared then withdrawn",
                        record.today - timedelta(days=1), shared=True)
        note.withdrawn_at = note.created_at
        db.session.commit()
        html = render_summary_html(summary_of(record, REFERRAL))
    assert "Shared then withdrawn" not in html


def test_her_practitioner_downloads_the_referral_pdf_and_it_is_logged(app, record, make):
    browser = app.test_client()
    login(browser, record.practitioner)
    response = browser.get(f"/reports/clients/{record.client.id}/referral.pdf?days=30")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "overdracht-eva-de-boer" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert squeeze(PRIVATE_TEXTS[0]) not in pdf_text(response.data)
    detail = db.session.scalar(sa.select(AuditEvent.detail).where(
        AuditEvent.action == "summary_downloaded", AuditEvent.client_id == record.client.id))
    assert detail.endswith("(referral version)")
    other = app.test_client()
    login(other, make.practitioner())
    assert other.get(f"/reports/clients/{record.client.id}/referral.pdf").status_code == 404
