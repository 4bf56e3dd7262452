"""Daily reminders: at most one a day, after her chosen local time, never after a check-in."""

from datetime import UTC, date, datetime, time

import pytest

from portal.checkins.services import reminder_due, save_checkin
from portal.extensions import db
from tests.conftest import post_form

AMSTERDAM = "Europe/Amsterdam"
# 19:30 UTC on 28 November is 20:30 in Amsterdam.
EVENING = datetime(2026, 11, 28, 19, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, date(2026, 11, 28)),
        ({"enabled": False}, None),
        ({"at": None}, None),
        ({"at": time(21, 0)}, None),
        ({"at": time(20, 30)}, date(2026, 11, 28)),
        ({"last_sent_on": date(2026, 11, 28)}, None),
        ({"last_sent_on": date(2026, 11, 27)}, date(2026, 11, 28)),
        ({"checked_in_today": True}, None),
        ({"timezone": "UTC"}, None),  # 19:30 in UTC is before 20:00
    ],
)
def test_reminder_due(kwargs, expected):
    arguments = {"enabled": True, "at": time(20, 0), "timezone": AMSTERDAM,
                 "last_sent_on": None, "checked_in_today": False, "now": EVENING, **kwargs}
    assert reminder_due(**arguments) == expected


def test_send_reminders_once_a_day_and_not_after_a_checkin(make, runner, outbox):
    waiting = make.client(reminder_enabled=True, reminder_time=time(0, 0))
    done = make.client(reminder_enabled=True, reminder_time=time(0, 0))
    make.client(reminder_enabled=False, reminder_time=time(0, 0))
    from portal.dates import local_today

    save_checkin(done, local_today(), {"mood": 3})
    db.session.commit()
    assert "1 reminder" in runner.invoke(args=["send-reminders"]).output
    assert [m.to for m in outbox] == [(waiting.email,)]
    assert "/me/" in outbox[0].body
    assert "0 reminder" in runner.invoke(args=["send-reminders"]).output


def test_she_chooses_her_reminder_time(login_as, make):
    test_client, client = login_as("client")
    response = post_form(test_client, "/me/reminders",
                         {"enabled": "y", "at": "20:15", "by_email": "y"}, token_from="/me/")
    assert response.status_code == 302
    db.session.refresh(client.profile)
    assert client.profile.reminder_enabled and client.profile.reminder_time == time(20, 15)


def test_reminder_without_a_time_is_refused(login_as):
    test_client, client = login_as("client")
    response = post_form(test_client, "/me/reminders", {"enabled": "y", "at": ""},
                         token_from="/me/")
    assert response.status_code == 422
    db.session.refresh(client.profile)
    assert not client.profile.reminder_enabled


def test_a_refused_reminder_shows_its_error_in_the_open_section(login_as):
    test_client, client = login_as("client")
    client.locale = "en"
    db.session.commit()
    response = post_form(test_client, "/me/reminders", {"enabled": "y", "at": ""},
                         token_from="/me/")
    page = response.get_data(as_text=True)
    assert '<details class="reminder" id="reminder" open>' in page
    assert "Choose a time for the reminder." in page
    assert 'action="/me/reminders#reminder"' in page  # the browser lands on the section


def test_the_reminder_can_be_set_on_her_account_page(login_as):
    test_client, client = login_as("client")
    client.locale = "en"
    db.session.commit()
    page = test_client.get("/account/").get_data(as_text=True)
    assert 'name="back_to" type="hidden" value="account"' in page
    refused = post_form(test_client, "/me/reminders",
                        {"enabled": "y", "at": "", "back_to": "account"}, token_from="/account/")
    assert refused.status_code == 422
    assert "Your consent" in refused.get_data(as_text=True)  # still her account page
    assert '<details class="reminder" id="reminder" open>' in refused.get_data(as_text=True)
    saved = post_form(test_client, "/me/reminders",
                      {"enabled": "y", "at": "07:30", "back_to": "account"},
                      token_from="/account/")
    assert saved.headers["Location"].endswith("/account/")
    db.session.refresh(client.profile)
    assert client.profile.reminder_time == time(7, 30)
    elsewhere = post_form(test_client, "/me/reminders",
                          {"enabled": "y", "at": "07:45", "back_to": "https://evil.test/"},
                          token_from="/account/")
    assert elsewhere.headers["Location"].endswith("/me/")
