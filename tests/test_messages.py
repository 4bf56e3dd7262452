"""Messages between a mother and her practitioner: sending, reading, notices, withdrawing, the
waiting list, the admin covering for an absent practitioner, settings and bad input."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.messages import services
from portal.models import AuditEvent, Message, MessageSettings, MessageThread, User
from tests.conftest import csrf_token, login

QUESTION = "Is it normal that I cry every evening?\nThe baby sleeps <b>well</b> though."


@pytest.fixture
def people(make, app):
    """A practitioner and her client, both reading English, each signed in in a browser."""
    practitioner = make.practitioner(name="Petra Practitioner")
    mother = make.client(practitioner=practitioner, name="Maria Mother")
    for person in (practitioner, mother):
        person.locale = "en"
    db.session.commit()
    mother_browser, staff_browser = app.test_client(), app.test_client()
    login(mother_browser, mother)
    login(staff_browser, practitioner)
    return mother_browser, mother, staff_browser, practitioner


def send(browser, url: str, body: str, page: str | None = None, field: str = "body"):
    """Post a message from the page that holds the form, as a browser would."""
    return browser.post(url, data={field: body, "csrf_token": csrf_token(browser, page or url)})


def reply(browser, client_id: int, body: str):
    """Answer from the practitioner's client page."""
    return send(browser, reply_url(client_id), body, page=client_page(client_id),
                field="message-body")


def waiting_section(browser) -> str:
    """Return the dashboard's "messages waiting" section."""
    html = browser.get("/practice/").get_data(as_text=True)
    return html[html.index('id="waiting"') :].split("</p>")[0]


def messages_in_db() -> list[Message]:
    return list(db.session.scalars(sa.select(Message).order_by(Message.id)))


def client_page(client_id: int) -> str:
    return f"/practice/clients/{client_id}"


def reply_url(client_id: int) -> str:
    return f"/practice/clients/{client_id}/messages"


def test_she_asks_he_sees_it_waiting_replies_and_she_sees_the_reply_and_the_read_mark(people):
    mother_browser, mother, staff_browser, practitioner = people
    page = mother_browser.get("/messages/").get_data(as_text=True)
    # The safety line sits above the message box, with the help link beside it.
    assert "not around the clock" in page
    for number, dial in (("112", "112"), ("113", "113"), ("0800-0113", "08000113")):
        assert f'<a href="tel:{dial}" class="tel">{number}</a>' in page  # a tap calls
    assert page.index("0800-0113") < page.index('name="body"')
    assert 'href="/help"' in page
    assert "9:00" in page and "within 1 working day" in page

    response = send(mother_browser, "/messages/", QUESTION)
    assert response.status_code == 302
    (message,) = messages_in_db()
    assert message.from_client and message.sender_id == mother.id
    assert message.body == QUESTION
    thread = db.session.get(MessageThread, message.thread_id)
    assert (thread.client_id, thread.practitioner_id) == (mother.id, practitioner.id)
    assert thread.waiting_since is not None

    # Her page shows it escaped, with its line break kept; links and markup are never live.
    page = mother_browser.get("/messages/").get_data(as_text=True)
    assert "&lt;b&gt;well&lt;/b&gt;" in page and "<b>well</b>" not in page
    assert 'class="message-body pre-line"' in page
    assert "Not read yet" in page

    # He sees one unread message in the navigation and her in the waiting list.
    dashboard = staff_browser.get("/practice/").get_data(as_text=True)
    assert 'class="badge unread"' in dashboard
    assert "1 unread message" in dashboard
    waiting = dashboard[dashboard.index('id="waiting"') :].split("</p>")[0]
    assert "Maria Mother" in waiting
    assert "1 conversation waits for an answer" in waiting

    # Opening her page reads the thread: the badge goes, she sees when it was read.
    record = staff_browser.get(client_page(mother.id)).get_data(as_text=True)
    assert "&lt;b&gt;well&lt;/b&gt;" in record
    db.session.expire_all()
    assert messages_in_db()[0].read_at is not None
    assert 'class="badge unread"' not in staff_browser.get("/practice/").get_data(as_text=True)
    assert "Read on" in mother_browser.get("/messages/").get_data(as_text=True)

    response = reply(staff_browser, mother.id, "Yes, that is common. Let us call.")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MessageThread, thread.id).waiting_since is None
    assert "Maria Mother" not in waiting_section(staff_browser)
    home = mother_browser.get("/me/").get_data(as_text=True)
    assert 'class="badge unread"' in home
    page = mother_browser.get("/messages/").get_data(as_text=True)
    assert "Yes, that is common. Let us call." in page
    assert "Petra Practitioner" in page

    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"message_sent", "message_thread_viewed", "own_messages_viewed"} <= actions


def test_links_in_a_message_are_plain_text(people):
    mother_browser, _mother, _staff, _practitioner = people
    send(mother_browser, "/messages/", "Look at https://example.org/a?b=1 and javascript:alert(1)")
    page = mother_browser.get("/messages/").get_data(as_text=True)
    assert "https://example.org/a?b=1" in page
    assert 'href="https://example.org' not in page
    assert 'href="javascript' not in page


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "Please write your message"),
        ("   \n  ", "Please write your message"),
        ("x" * 5001, "at most 5,000 characters"),
    ],
)
def test_an_empty_or_too_long_message_is_refused_and_nothing_is_stored(people, body, words):
    mother_browser, _mother, _staff, _practitioner = people
    response = send(mother_browser, "/messages/", body)
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert messages_in_db() == []
    assert db.session.scalar(sa.select(sa.func.count(MessageThread.id))) == 0


def test_a_message_of_exactly_5000_characters_is_kept_whole_with_its_line_breaks(people):
    mother_browser, _mother, _staff, _practitioner = people
    body = ("a" * 99 + "\r\n") * 49 + "b" * 100  # 49 lines of 100 (CRLF counted once) + 100
    assert send(mother_browser, "/messages/", body).status_code == 302
    (message,) = messages_in_db()
    assert len(message.body) == 5000 and "\r" not in message.body


def test_a_practitioner_cannot_write_to_someone_elses_client(people, make, app):
    _mother_browser, mother, _staff, _practitioner = people
    other_practitioner = make.practitioner()
    browser = app.test_client()
    login(browser, other_practitioner)
    response = browser.post(
        reply_url(mother.id),
        data={"message-body": "hello", "csrf_token": csrf_token(browser, "/help")},
    )
    assert response.status_code == 404
    assert messages_in_db() == []
    # Nor can a client use the practitioner's address.
    mother_browser = people[0]
    response = mother_browser.post(
        reply_url(mother.id),
        data={"message-body": "x", "csrf_token": csrf_token(mother_browser, "/help")},
    )
    assert response.status_code == 404
    assert messages_in_db() == []


def test_a_client_without_a_practitioner_is_told_and_nothing_is_stored(make, app):
    mother = make.client(practitioner=None)
    mother.locale = "en"
    db.session.commit()
    browser = app.test_client()
    login(browser, mother)
    page = browser.get("/messages/").get_data(as_text=True)
    assert "no practitioner yet" in page
    response = send(browser, "/messages/", "Hello?")
    assert response.status_code == 409
    assert messages_in_db() == []


def test_no_message_is_stored_while_her_consent_is_withdrawn(people):
    mother_browser, mother, _staff, _practitioner = people
    mother.profile.collection_paused = True
    db.session.commit()
    response = send(mother_browser, "/messages/", "Can I still ask something?")
    assert response.status_code == 409
    assert "does not store new messages" in response.get_data(as_text=True)
    assert messages_in_db() == []


def test_forged_ids_get_404_and_change_nothing(people, make, app):
    mother_browser, mother, staff_browser, practitioner = people
    send(mother_browser, "/messages/", "mine")
    (message,) = messages_in_db()
    # Another client cannot withdraw it, nor can her practitioner (only the sender may).
    intruder = make.client(practitioner=practitioner)
    intruder_browser = app.test_client()
    login(intruder_browser, intruder)
    for browser in (intruder_browser, staff_browser):
        response = browser.post(
            f"/messages/{message.id}/withdraw", data={"csrf_token": csrf_token(browser, "/help")}
        )
        assert response.status_code == 404
    for forged in (message.id + 1000, 0):
        response = mother_browser.post(
            f"/messages/{forged}/withdraw",
            data={"csrf_token": csrf_token(mother_browser, "/help")},
        )
        assert response.status_code == 404
    admin_browser = app.test_client()
    login(admin_browser, make.admin())
    assert admin_browser.get(f"/messages/covering/{message.thread_id + 99}").status_code == 404
    db.session.expire_all()
    assert messages_in_db()[0].withdrawn_at is None


def test_notices_are_e_mailed_without_the_text_at_most_once_an_hour(people, outbox):
    mother_browser, mother, staff_browser, practitioner = people
    send(mother_browser, "/messages/", QUESTION)
    send(mother_browser, "/messages/", "And one more thing: SECRET DETAIL")
    notices = [m for m in outbox if m.kind == "message_notice"]
    assert len(notices) == 1
    (notice,) = notices
    assert notice.to == (practitioner.email,)
    assert "cry" not in notice.body and "SECRET" not in notice.body
    assert "Maria" not in notice.body and "Mother" not in notice.body
    assert "M.M." in notice.body
    assert "http" in notice.body

    reply(staff_browser, mother.id, "Call me PRIVATE REPLY")
    to_her = [m for m in outbox if m.kind == "message_notice" and m.recipient == mother.email]
    assert len(to_her) == 1 and "PRIVATE REPLY" not in to_her[0].body

    # An hour later the next message gets a notice again.
    thread = db.session.scalar(sa.select(MessageThread))
    later = datetime.now(UTC) + timedelta(minutes=61)
    services.send_message(thread, mother, "later", now=later)
    db.session.commit()
    assert len([m for m in outbox if m.recipient == practitioner.email]) == 2


def test_each_person_can_turn_notices_off(people, outbox):
    mother_browser, mother, staff_browser, practitioner = people
    response = staff_browser.post(
        "/account/messages",
        data={"notices": "", "digest": "weekly",
              "csrf_token": csrf_token(staff_browser, "/account/")},
    )
    assert response.status_code == 302
    settings = db.session.get(MessageSettings, practitioner.id)
    assert settings.notices is False and settings.digest == "weekly"
    send(mother_browser, "/messages/", QUESTION)
    assert [m for m in outbox if m.kind == "message_notice"] == []

    response = mother_browser.post(
        "/account/messages", data={"csrf_token": csrf_token(mother_browser, "/account/")}
    )
    assert response.status_code == 302
    assert db.session.get(MessageSettings, mother.id).notices is False
    reply(staff_browser, mother.id, "reply")
    assert [m for m in outbox if m.kind == "message_notice"] == []


def test_a_bad_settings_form_is_refused(people):
    _mother_browser, _mother, staff_browser, practitioner = people
    response = staff_browser.post(
        "/account/messages",
        data={"notices": "y", "digest": "hourly",
              "csrf_token": csrf_token(staff_browser, "/account/")},
    )
    assert response.status_code == 422
    assert db.session.get(MessageSettings, practitioner.id) is None


def test_a_sender_may_withdraw_within_five_minutes_and_it_shows_as_withdrawn(people):
    mother_browser, mother, staff_browser, _practitioner = people
    send(mother_browser, "/messages/", "Oops, WRONG TEXT")
    (message,) = messages_in_db()
    response = mother_browser.post(
        f"/messages/{message.id}/withdraw",
        data={"csrf_token": csrf_token(mother_browser, "/messages/")},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert messages_in_db()[0].withdrawn_at is not None
    for page in (
        mother_browser.get("/messages/").get_data(as_text=True),
        staff_browser.get(client_page(mother.id)).get_data(as_text=True),
    ):
        assert "WRONG TEXT" not in page
        assert "withdrawn" in page
    # Nothing waits any more, and there is nothing unread.
    assert db.session.scalar(sa.select(MessageThread)).waiting_since is None
    assert "Maria Mother" not in waiting_section(staff_browser)


def test_withdrawing_after_five_minutes_is_refused(people, make):
    _mother_browser, mother, _staff, practitioner = people
    thread = services.thread_between(mother, practitioner, create=True)
    sent_at = datetime.now(UTC) - timedelta(minutes=6)
    message = services.send_message(thread, mother, "too late to take back", now=sent_at)
    db.session.commit()
    assert services.withdraw_message(message, mother) is False
    assert services.withdraw_message(message, mother, now=sent_at + timedelta(minutes=4))
    db.session.rollback()


def test_marking_a_thread_handled_takes_it_off_the_waiting_list(people):
    mother_browser, mother, staff_browser, _practitioner = people
    send(mother_browser, "/messages/", "Thank you for today!")
    assert "Maria Mother" in waiting_section(staff_browser)
    response = staff_browser.post(
        f"/practice/clients/{mother.id}/messages/handled",
        data={"handled-csrf_token": csrf_token(staff_browser, client_page(mother.id))},
    )
    assert response.status_code == 302
    thread = db.session.scalar(sa.select(MessageThread))
    assert thread.waiting_since is None and thread.handled_at is not None
    assert "Maria Mother" not in waiting_section(staff_browser)
    # Her next message waits again.
    send(mother_browser, "/messages/", "One more question")
    assert "Maria Mother" in waiting_section(staff_browser)


def test_the_waiting_list_puts_the_oldest_first_with_how_long_it_waited(people, make):
    _mother_browser, mother, staff_browser, practitioner = people
    newer = make.client(practitioner=practitioner, name="Nora Newer")
    now = datetime.now(UTC)
    for client, hours in ((newer, 2), (mother, 30)):
        thread = services.thread_between(client, practitioner, create=True)
        services.send_message(thread, client, "question", now=now - timedelta(hours=hours))
    db.session.commit()
    dashboard = staff_browser.get("/practice/").get_data(as_text=True)
    waiting = dashboard[dashboard.index('id="waiting"') :]
    assert waiting.index("Maria Mother") < waiting.index("Nora Newer")
    assert "30 hours" in waiting and "2 hours" in waiting


def test_the_admin_reads_a_thread_only_while_covering_and_that_is_logged(people, make, app):
    mother_browser, mother, _staff, practitioner = people
    send(mother_browser, "/messages/", "Is anyone there?")
    thread = db.session.scalar(sa.select(MessageThread))
    admin = make.admin()
    admin_browser = app.test_client()
    login(admin_browser, admin)
    assert admin_browser.get(f"/messages/covering/{thread.id}").status_code == 404
    assert "Is anyone there?" not in admin_browser.get("/messages/covering").get_data(
        as_text=True
    )

    db.session.add(MessageSettings(user_id=practitioner.id, away_until=date.today() + timedelta(1)))
    db.session.commit()
    listing = admin_browser.get("/messages/covering").get_data(as_text=True)
    assert "Maria Mother" in listing
    response = admin_browser.get(f"/messages/covering/{thread.id}")
    assert response.status_code == 200
    assert "Is anyone there?" in response.get_data(as_text=True)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "message_thread_covered")
    )
    assert event.actor_id == admin.id and event.client_id == mother.id

    # The covering admin can answer; the thread no longer waits.
    response = admin_browser.post(
        f"/messages/covering/{thread.id}",
        data={"body": "Petra is away; I will call you.",
              "csrf_token": csrf_token(admin_browser, f"/messages/covering/{thread.id}")},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MessageThread, thread.id).waiting_since is None
    assert "Petra is away" in mother_browser.get("/messages/").get_data(as_text=True)

    # Back at work: the admin can no longer read it.
    db.session.get(MessageSettings, practitioner.id).away_until = None
    db.session.commit()
    assert admin_browser.get(f"/messages/covering/{thread.id}").status_code == 404


def test_the_admin_covers_for_an_inactive_practitioner(people, make, app):
    mother_browser, _mother, _staff, practitioner = people
    send(mother_browser, "/messages/", "Hello")
    thread = db.session.scalar(sa.select(MessageThread))
    db.session.get(User, practitioner.id).active = False
    db.session.commit()
    admin_browser = app.test_client()
    login(admin_browser, make.admin())
    assert admin_browser.get(f"/messages/covering/{thread.id}").status_code == 200


def test_unread_counts_cost_one_query_whatever_the_number_of_messages(people, app):
    from sqlalchemy import event

    mother_browser, mother, _staff, practitioner = people
    thread = services.thread_between(mother, practitioner, create=True)

    def statements_of(path: str) -> int:
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert mother_browser.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    services.send_message(thread, practitioner, "one")
    db.session.commit()
    few = statements_of("/help")
    for number in range(20):
        services.send_message(thread, practitioner, f"message {number}")
    db.session.commit()
    assert statements_of("/help") == few
    assert "21" in mother_browser.get("/help").get_data(as_text=True)
