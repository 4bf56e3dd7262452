"""The account page: password and e-mail changes, data download, consent, erasure, retention."""

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal import audit
from portal.auth.services import create_user
from portal.extensions import db
from portal.models import (
    Appointment,
    Assignment,
    AuditEvent,
    CareTeamMember,
    CheckIn,
    Consent,
    ContactAttempt,
    EmailChange,
    Enquiry,
    ErasureRequest,
    Flag,
    Invitation,
    Lesson,
    LessonProgress,
    Message,
    MessageSettings,
    MessageThread,
    Module,
    Note,
    NoteRevision,
    PasswordReset,
    QuestionnaireResponse,
    RecommendationDismissal,
    RecoveryCode,
    ShareLink,
    User,
)
from portal.privacy import services
from portal.privacy.export import to_csv
from tests.conftest import PASSWORD, login, post_form

NEW_PASSWORD = "a slow swim across the lake"


def english(test_client, user: User):
    """Show the pages in English (the source language) to this user."""
    user.locale = "en"
    db.session.commit()
    test_client.set_cookie("portal_locale", "en")
    return test_client


def fill_record(client: User, practitioner: User) -> None:
    """Give a client a bit of everything the portal can hold about her."""
    day = date(2026, 11, 20)
    db.session.add_all(
        [
            CheckIn(client_id=client.id, day=day, mood=2, tension=4, note="felt low =SUM(A1)"),
            CheckIn(
                client_id=client.id,
                day=day - timedelta(days=1),
                mood=3,
                activities=["hug", "walk_outside"],
                entered_by_id=practitioner.id,
            ),
            QuestionnaireResponse(
                client_id=client.id,
                instrument="gad7",
                answers={"1": 2},
                item_scores=[2, 1, 1, 1, 1, 1, 1],
                total=8,
                band="mild",
                locale="en",
                submission_id=uuid.uuid4(),  # every answer sent from a form carries one
            ),
            Flag(
                client_id=client.id,
                rule="low_mood",
                level="medium",
                level_rank=2,
                evidence={"days": ["2026-11-18", "2026-11-19", "2026-11-20"]},
                acknowledged_at=datetime.now(UTC),
                acknowledged_by_id=practitioner.id,
                acknowledgement_note="phoned her, PRIVATE ACK NOTE",
            ),
            Consent(user_id=client.id, version="2026-11", locale="en", text="I agree."),
            RecommendationDismissal(client_id=client.id, module_slug="sleep"),
            RecoveryCode(user_id=client.id, code_hash="$argon2id$x"),
            PasswordReset(
                user_id=client.id,
                token_hash=f"{client.id:064x}",
                expires_at=datetime.now(UTC) + timedelta(hours=1),
            ),
            EmailChange(
                user_id=client.id,
                new_email=f"pending-{client.id}@example.test",
                token_hash=f"{client.id + 1:064x}",
                expires_at=datetime.now(UTC) + timedelta(hours=1),
            ),
            Invitation(
                email=client.email,
                full_name=client.full_name,
                role="client",
                token_hash=f"{client.id:064x}",
                practitioner_id=practitioner.id,
                expires_at=datetime.now(UTC),
                accepted_at=datetime.now(UTC),
                user_id=client.id,
            ),
            Enquiry(kind="question", name=client.full_name, email=client.email, message="Hi"),
        ]
    )
    shared = Note(
        client_id=client.id, author_id=practitioner.id, body="Shared: rest more", shared=True
    )
    private = Note(
        client_id=client.id, author_id=practitioner.id, body="PRIVATE NOTE", shared=False
    )
    shared.revisions.append(NoteRevision(body="Shared: rest", shared=True))
    db.session.add_all([shared, private])
    module = Module(slug=f"sleep-{client.id}")
    lesson = Lesson(slug="why", module=module)
    db.session.add_all([module, lesson])
    db.session.flush()
    db.session.add_all(
        [
            Assignment(client_id=client.id, module_id=module.id, assigned_by_id=practitioner.id),
            LessonProgress(client_id=client.id, lesson_id=lesson.id),
        ]
    )
    thread = MessageThread(client_id=client.id, practitioner_id=practitioner.id,
                           handled_by_id=practitioner.id)
    db.session.add(thread)
    db.session.flush()
    now = datetime.now(UTC)
    db.session.add_all(
        [
            Message(thread_id=thread.id, sender_id=client.id, from_client=True,
                    body="MY QUESTION: is crying normal?", created_at=now, read_at=now),
            Message(thread_id=thread.id, sender_id=practitioner.id, from_client=False,
                    body="Shared reply: yes, often.", created_at=now),
            Message(thread_id=thread.id, sender_id=practitioner.id, from_client=False,
                    body="WITHDRAWN TEXT", created_at=now, withdrawn_at=now),
            MessageSettings(user_id=client.id, notices=False),
        ]
    )
    # Her contact details, care team and a call about an urgent flag (portal.careteam).
    client.profile.phone = "+31612345678"
    client.profile.emergency_contact_name = f"Partner of {client.full_name}"
    client.profile.emergency_contact_phone = "+31201234567"
    urgent = Flag(client_id=client.id, rule="safety", level="urgent", level_rank=0, evidence={})
    db.session.add_all(
        [
            urgent,
            CareTeamMember(
                client_id=client.id, role="verloskundige", name="Vera Verloskundige",
                phone="+31301234567", email=f"vera-{client.id}@example.test",
                added_by_id=practitioner.id,
            ),
        ]
    )
    db.session.flush()
    db.session.add(
        ContactAttempt(
            flag_id=urgent.id, client_id=client.id, caller_id=practitioner.id,
            callee=f"{client.full_name} herself", outcome="no_answer", note="PRIVATE CALL NOTE",
        )
    )
    db.session.add(
        ShareLink(
            client_id=client.id, recipient_name="Vera Verloskundige",
            recipient_role="verloskundige",
            recipient_email=f"vera-{client.id}@example.test", token_hash=f"{client.id + 7:064x}",
            period_start=day - timedelta(days=29), period_end=day, created_by_id=client.id,
            consent_text=f"I, {client.full_name}, agree.", consent_version="2026-12",
            expires_at=datetime.now(UTC) + timedelta(days=14),
        )
    )
    starts = datetime(2027, 1, 4, 9, tzinfo=UTC) + timedelta(hours=client.id)
    db.session.add(
        Appointment(
            client_id=client.id, practitioner_id=practitioner.id, kind="video",
            starts_at=starts, ends_at=starts + timedelta(minutes=50), booked_by_id=client.id,
        )
    )
    audit.record("login", actor=client)
    audit.record("login_failed", detail=client.email)
    audit.record("client_record_viewed", actor=practitioner, client=client)
    audit.record(
        "checkin_entered_for_client", actor=practitioner, client=client, on_behalf_of=client
    )
    db.session.commit()


# --- the page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["client", "practitioner", "admin"])
def test_every_role_has_an_account_page(login_as, role):
    browser, user = login_as(role)
    response = english(browser, user).get("/account/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Change your password" in page
    assert ("Download my data" in page) == (role == "client")
    assert ("Requests to erase data" in page) == (role == "admin")
    assert response.headers["Cache-Control"] == "no-store"


def test_account_page_needs_sign_in(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_client_sees_her_consent_and_who_looked_at_her_record(login_as, make):
    practitioner = make.practitioner(name="Marieke van Dijk")
    browser, user = login_as("client", practitioner=practitioner)
    db.session.add(Consent(user_id=user.id, version="2026-11", locale="en", text="I agree to it."))
    audit.record("client_record_viewed", actor=practitioner, client=user)
    db.session.commit()
    page = english(browser, user).get("/account/").get_data(as_text=True)
    assert "I agree to it." in page
    assert "version 2026-11" in page
    assert "Marieke van Dijk" in page
    assert "Looked at the client record" in page


# --- password and e-mail --------------------------------------------------------------------


def test_password_change_needs_the_current_password(login_as, outbox):
    browser, user = login_as("client")
    response = post_form(
        browser,
        "/account/password",
        {
            "password-current_password": "not my password!",
            "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert not outbox
    assert login(browser.application.test_client(), user).status_code == 302


@pytest.mark.parametrize(
    ("new", "confirm"),
    [
        ("short", "short"),
        ("password", "password"),
        (NEW_PASSWORD, "something else entirely"),
        (PASSWORD, PASSWORD),
    ],
)
def test_password_change_applies_the_password_rules(login_as, new, confirm):
    browser, user = login_as("client")
    before = user.password_hash
    response = post_form(
        browser,
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-password": new,
            "password-confirm": confirm,
        },
    )
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.password_hash == before


def test_password_change_signs_out_other_sessions_but_keeps_this_one(app, make, outbox):
    user = make.practitioner()
    other, this = app.test_client(), app.test_client()
    login(other, user)
    login(this, user)
    response = post_form(
        this,
        "/account/password",
        {
            "password-current_password": PASSWORD,
            "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert this.get("/practice/").status_code == 200
    assert other.get("/practice/").status_code == 302
    assert [message.to for message in outbox] == [(user.email,)]
    assert login(app.test_client(), user, NEW_PASSWORD).status_code == 302
    assert (
        db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "password_changed")
        ).actor_id
        == user.id
    )


def link_in(message) -> str:
    """Return the path of the confirmation link in an e-mail."""
    line = next(line for line in message.body.splitlines() if "/account/email/confirm/" in line)
    return urlsplit(line.strip()).path


def ask_for_new_email(browser, address: str, password: str = PASSWORD):
    return post_form(
        browser,
        "/account/email",
        {"email-new_email": address, "email-current_password": password},
    )


def test_a_new_email_address_needs_the_password(login_as, outbox):
    browser, _user = login_as("client")
    assert ask_for_new_email(browser, "new@example.test", "wrong password!").status_code == 422
    assert outbox == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmailChange)) == 0


def test_a_new_email_address_counts_only_after_its_link_is_opened(app, login_as, outbox):
    browser, user = login_as("client")
    old = user.email
    response = ask_for_new_email(browser, " New@Example.test ")
    assert response.status_code == 302

    # A link to the new address; a notice to the old one that does not reveal the new one.
    assert [message.to for message in outbox] == [("new@example.test",), (old,)]
    assert "new@example.test" not in outbox[1].body
    account = browser.get("/account/").get_data(as_text=True)
    assert "new@example.test" in account  # she sees what she is waiting for
    db.session.refresh(user)
    assert user.email == old
    fresh = app.test_client()
    assert post_form(fresh, "/login", {"email": old, "password": PASSWORD}).status_code == 302

    # Opening the link (as a mail program checking it would) changes nothing yet.
    link = link_in(outbox[0])
    page = app.test_client().get(link)
    assert page.status_code == 200 and "new@example.test" in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email == old

    # Confirming works without being signed in: the link is the proof.
    confirming = app.test_client()
    response = post_form(confirming, link, token_from=link)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db.session.refresh(user)
    assert user.email == "new@example.test"
    assert outbox[-1].to == (old,) and "new@example.test" not in outbox[-1].body
    signing_in = app.test_client()
    response = post_form(signing_in, "/login", {"email": "new@example.test", "password": PASSWORD})
    assert response.status_code == 302
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"email_change_requested", "email_changed"} <= actions

    # The link works once.
    assert app.test_client().get(link).status_code == 410


def test_a_newer_request_voids_the_earlier_link_and_links_expire(app, login_as, outbox):
    browser, user = login_as("client")
    ask_for_new_email(browser, "first@example.test")
    first = link_in(outbox[0])
    ask_for_new_email(browser, "second@example.test")
    second = link_in(outbox[2])
    assert app.test_client().get(first).status_code == 410
    change = db.session.scalar(sa.select(EmailChange))
    change.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    response = post_form(app.test_client(), second, token_from="/login")
    assert response.status_code == 410
    db.session.refresh(user)
    assert user.email not in ("first@example.test", "second@example.test")


def test_an_address_taken_before_the_link_is_opened_is_refused(app, login_as, make, outbox):
    browser, user = login_as("client")
    ask_for_new_email(browser, "wanted@example.test")
    link = link_in(outbox[0])
    make.client(email="wanted@example.test")
    response = post_form(browser, link, token_from=link)
    assert response.status_code == 409
    assert "Dit adres kan niet worden gebruikt" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email != "wanted@example.test"


# --- data download --------------------------------------------------------------------------


def test_export_needs_the_password_again(login_as):
    browser, _user = login_as("client")
    response = post_form(browser, "/account/export", {"export-current_password": "nope nope"})
    assert response.status_code == 422
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "data_exported"))
        == 0
    )


def test_export_is_for_clients_only(login_as):
    browser, _user = login_as("practitioner")
    response = post_form(browser, "/account/export", {"export-current_password": PASSWORD})
    assert response.status_code == 403


def test_export_holds_all_her_data_but_no_private_notes(login_as, make):
    practitioner = make.practitioner()
    browser, user = login_as("client", practitioner=practitioner)
    fill_record(user, practitioner)
    other = make.client(practitioner=practitioner)
    db.session.add(CheckIn(client_id=other.id, day=date(2026, 11, 20), mood=5, note="OTHER"))
    db.session.commit()

    response = post_form(browser, "/account/export", {"export-current_password": PASSWORD})
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {
        "data.json",
        "csv/checkins.csv",
        "csv/questionnaire_responses.csv",
        "csv/flags.csv",
        "csv/shared_notes.csv",
        "csv/consents.csv",
        "csv/access_log.csv",
        "csv/lessons_completed.csv",
        "csv/guidance_assigned.csv",
        "summary.pdf",
    } <= names
    assert archive.read("summary.pdf").startswith(b"%PDF")
    data = json.loads(archive.read("data.json"))
    assert data["account"][0]["email"] == user.email
    assert data["account"][0]["delivery_type"] == "induced_oxytocin"
    assert sorted(c["mood"] for c in data["checkins"]) == [2, 3]
    assert data["questionnaire_responses"][0]["total"] == 8
    assert "submission_id" not in data["questionnaire_responses"][0]  # plumbing, not her data
    assert data["flags"][0]["rule"] == "low_mood"
    assert [n["body"] for n in data["shared_notes"]] == ["Shared: rest more"]
    assert [m["body"] for m in data["messages"]] == [
        "MY QUESTION: is crying normal?",
        "Shared reply: yes, often.",
        None,
    ]
    assert data["messages"][0]["read_at"] and data["messages"][2]["withdrawn_at"]
    message_rows = list(csv.DictReader(io.StringIO(archive.read("csv/messages.csv").decode())))
    assert [row["body"] for row in message_rows][:2] == [
        "MY QUESTION: is crying normal?",
        "Shared reply: yes, often.",
    ]
    assert data["consents"][0]["text"] == "I agree."
    assert data["lessons_completed"][0]["lesson"] == "why"
    # Where she is signed in, without anything that would open the session.
    [device] = data["signed_in_devices"]
    assert device["ip_address"] == "127.0.0.1" and "token_hash" not in device
    assert data["account"][0]["phone"] == "+31612345678"
    assert [m["name"] for m in data["care_team"]] == ["Vera Verloskundige"]
    assert [(c["outcome"], c["caller"]) for c in data["contact_attempts"]] == [
        ("no_answer", practitioner.full_name)
    ]
    assert "PRIVATE CALL NOTE" not in json.dumps(data)
    assert [s["recipient_name"] for s in data["share_links"]] == ["Vera Verloskundige"]
    assert "token_hash" not in data["share_links"][0]
    [appointment] = data["appointments"]
    assert appointment["kind"] == "video" and appointment["starts_at"].startswith("2027-01-04")
    assert "csv/appointments.csv" in names
    # The export speaks her language (Dutch by default).
    assert any(entry["what"] == "Dossier van cliënt bekeken" for entry in data["access_log"])
    everything = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    assert "PRIVATE NOTE" not in everything
    assert "PRIVATE ACK NOTE" not in everything
    assert "WITHDRAWN TEXT" not in everything
    assert "OTHER" not in everything
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/checkins.csv").decode())))
    assert len(rows) == 2
    # A cell that a spreadsheet would run as a formula is defused.
    assert "'felt low =SUM(A1)" not in {row["note"] for row in rows}
    assert "felt low =SUM(A1)" in {row["note"] for row in rows}
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "data_exported"))
    assert event.client_id == user.id and event.actor_id == user.id


def test_csv_cells_that_look_like_formulas_are_defused():
    text = to_csv([{"a": "=1+1", "b": "-2", "c": ["x"], "d": None}, {"e": "@me"}])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["a", "b", "c", "d", "e"]
    assert rows[1] == ["'=1+1", "'-2", '["x"]', "", ""]
    assert rows[2][-1] == "'@me"


# --- consent --------------------------------------------------------------------------------


def test_withdrawing_consent_pauses_collection_and_tells_the_practitioner(login_as, make, outbox):
    practitioner = make.practitioner()
    browser, user = login_as("client", practitioner=practitioner)
    fill_record(user, practitioner)
    # One tap is not enough: she confirms first.
    english(browser, user)
    response = post_form(browser, "/account/consent/withdraw", {}, token_from="/account/")
    assert response.status_code == 422
    assert "Please tick the box to confirm." in response.get_data(as_text=True)
    db.session.expire_all()
    assert not user.profile.collection_paused
    response = post_form(browser, "/account/consent/withdraw", {"withdraw-confirm": "y"},
                         token_from="/account/")
    assert response.status_code == 302
    db.session.expire_all()
    assert user.profile.collection_paused
    consent = services.current_consent(user)
    assert consent.withdrawn_at is not None
    assert [message.to for message in outbox] == [(practitioner.email,)]
    assert "felt low" not in outbox[0].body and "mood" not in outbox[0].body.lower()
    page = english(browser, user).get("/account/").get_data(as_text=True)
    assert "You withdrew your consent" in page
    # The check-in page respects it: nothing new is stored.
    before = db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn))
    post_form(
        browser, "/me/", {"day": date.today().isoformat(), "mood": "4"}, token_from="/account/"
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == before

    refused = post_form(browser, "/account/consent/give", {}, token_from="/account/")
    assert refused.status_code == 422
    response = post_form(browser, "/account/consent/give", {"consent-agree": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert not user.profile.collection_paused
    assert services.current_consent(user).withdrawn_at is None
    assert len(outbox) == 2
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "consent_withdrawn" in actions and "consent_given" in actions


# --- erasure requests -----------------------------------------------------------------------


def request_erasure(browser):
    return post_form(
        browser,
        "/account/erasure",
        {"erasure-current_password": PASSWORD, "erasure-confirm": "y"},
    )


def test_erasure_request_needs_password_and_confirmation(login_as):
    browser, _user = login_as("client")
    for data in (
        {"erasure-current_password": PASSWORD},
        {"erasure-current_password": "wrong password!", "erasure-confirm": "y"},
    ):
        assert post_form(browser, "/account/erasure", data).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ErasureRequest)) == 0


def test_erasure_request_reaches_the_admin_once(login_as, make, outbox):
    admin = make.admin()
    browser, user = login_as("client")
    assert request_erasure(browser).status_code == 302
    assert request_erasure(browser).status_code == 302
    requests = db.session.scalars(sa.select(ErasureRequest)).all()
    assert len(requests) == 1
    assert requests[0].pseudonym == services.pseudonym(user)
    assert outbox[0].to == (admin.email,)
    assert user.email not in outbox[0].body
    page = english(browser, user).get("/account/").get_data(as_text=True)
    assert "You asked to erase your data" in page


def test_admin_keeps_a_record_with_a_reason_she_is_told(login_as, make, outbox):
    admin_browser, _admin = login_as("admin")
    browser, user = login_as("client")
    request_erasure(browser)
    erasure = db.session.scalar(sa.select(ErasureRequest))
    listing = english(admin_browser, _admin).get("/account/admin/erasure").get_data(as_text=True)
    assert user.full_name in listing
    url = f"/account/admin/erasure/{erasure.id}"
    missing_reason = post_form(
        admin_browser, url, {f"r{erasure.id}-decision": "keep"}, token_from="/account/admin/erasure"
    )
    assert missing_reason.status_code == 422
    response = post_form(
        admin_browser,
        url,
        {
            f"r{erasure.id}-decision": "keep",
            f"r{erasure.id}-reason": "The law asks us to keep care records for 20 years.",
        },
        token_from="/account/admin/erasure",
    )
    assert response.status_code == 302
    db.session.refresh(erasure)
    assert erasure.decision == "kept" and erasure.decided_at is not None
    assert outbox[-1].to == (user.email,)
    assert "20 years" in outbox[-1].body
    page = english(browser, user).get("/account/").get_data(as_text=True)
    assert "decided to keep your record" in page and "20 years" in page
    # Decided is decided.
    again = post_form(
        admin_browser,
        url,
        {f"r{erasure.id}-decision": "erase"},
        token_from="/account/admin/erasure",
    )
    assert again.status_code == 302
    assert db.session.get(User, user.id) is not None


@pytest.mark.parametrize("role", ["client", "practitioner"])
def test_only_admins_decide_erasure(login_as, role):
    browser, _user = login_as(role)
    assert browser.get("/account/admin/erasure").status_code == 403
    assert browser.get("/account/admin/retention").status_code == 403


# --- retention ------------------------------------------------------------------------------


def test_months_before_clamps_to_the_end_of_the_month():
    moment = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert services.months_before(moment, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert services.months_before(moment, 24) == datetime(2024, 3, 31, 12, tzinfo=UTC)
    assert services.months_before(moment, 15) == datetime(2024, 12, 31, 12, tzinfo=UTC)


def test_retention_lists_accounts_inactive_past_the_setting(app, login_as, make):
    browser, admin = login_as("admin")
    now = datetime.now(UTC)
    stale = make.client(name="Stale Client")
    stale.last_login_at = now - timedelta(days=800)
    never = make.client(name="Never Signed In")
    never.created_at = now - timedelta(days=760)
    recent = make.client(name="Recent Client")
    recent.created_at = now - timedelta(days=900)
    recent.last_login_at = now - timedelta(days=45)
    db.session.commit()
    page = english(browser, admin).get("/account/admin/retention").get_data(as_text=True)
    assert "Stale Client" in page and "Never Signed In" in page
    assert "Recent Client" not in page and admin.full_name not in page
    app.config["RETENTION_MONTHS"] = 1
    page = browser.get("/account/admin/retention").get_data(as_text=True)
    assert "Recent Client" in page


def test_inactive_accounts_uses_the_configured_default(app, make):
    user = make.client()
    user.created_at = datetime.now(UTC) - timedelta(days=365 * 2 + 40)
    db.session.commit()
    assert [account.id for account in services.inactive_accounts()] == [user.id]
    assert services.inactive_accounts(months=36) == []


def test_pseudonym_is_random_per_account_and_kept_with_it(app, make):
    first, second = make.client(), make.client()
    assert len(services.pseudonym(first)) == 64
    assert services.pseudonym(first) != services.pseudonym(second)
    before = services.pseudonym(first)
    app.config["SECRET_KEY"] = "another key"
    db.session.expire_all()
    assert services.pseudonym(db.session.get(User, first.id)) == before


def test_a_new_client_record_needs_no_consent_row_to_render(app, make):
    user = create_user("bare@example.test", "Bare", "client", PASSWORD)
    db.session.commit()
    browser = app.test_client()
    login(browser, user)
    assert browser.get("/account/").status_code == 200
