"""The staff's morning digest, on a frozen clock: every call passes `now`.

Due at 07:30 local time on working days (daily) or Mondays (weekly), once a day however often
the worker looks, built from counts and links only, and not sent when there is nothing to say.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal import worker
from portal.extensions import db
from portal.messages import digest, services
from portal.models import CheckIn, Flag, MessageSettings, OutboxMessage, QuestionnaireResponse
from portal.models.flags import LEVEL_RANK

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
AT = time(7, 30)
MONDAY = date(2026, 12, 7)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """Return a moment given in Amsterdam time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("frequency", "last_sent_on", "when", "expected"),
    [
        ("daily", None, local(MONDAY, 7, 30), MONDAY),
        ("daily", None, local(MONDAY, 7, 29), None),
        ("daily", MONDAY, local(MONDAY, 16, 0), None),
        ("daily", MONDAY - timedelta(days=3), local(MONDAY + timedelta(1), 7, 45),
         MONDAY + timedelta(1)),
        ("daily", None, local(MONDAY + timedelta(4), 23, 59), MONDAY + timedelta(4)),  # Friday
        ("daily", None, local(MONDAY - timedelta(2), 8, 0), None),  # Saturday
        ("daily", None, local(MONDAY - timedelta(1), 8, 0), None),  # Sunday
        ("weekly", None, local(MONDAY, 7, 31), MONDAY),
        ("weekly", None, local(MONDAY + timedelta(1), 8, 0), None),
        ("weekly", MONDAY, local(MONDAY, 9, 0), None),
        ("off", None, local(MONDAY, 8, 0), None),
    ],
)
def test_when_a_digest_is_due(frequency, last_sent_on, when, expected):
    assert digest.digest_due(frequency, last_sent_on, when, AT) == expected


def digests(outbox) -> list:
    return [message for message in outbox if message.kind == "digest"]


@pytest.fixture
def practice(make):
    """A practitioner with three clients (one silent, one with a waiting message) and a
    colleague with one urgent client; everything dated around Monday 7 December, 07:45."""
    now = local(MONDAY, 7, 45).astimezone(UTC)
    petra = make.practitioner(name="Petra Practitioner")
    quinn = make.practitioner(name="Quinn Colleague")
    started = MONDAY - timedelta(days=20)
    silent = make.client(practitioner=petra, name="Sanne Silent", started_on=started)
    asking = make.client(practitioner=petra, name="Anna Asking", started_on=started)
    calm = make.client(practitioner=petra, name="Carla Calm", started_on=started)
    elsewhere = make.client(practitioner=quinn, name="Eva Elsewhere", started_on=started)
    for person in (petra, quinn):
        person.locale = "en"

    def flag(client, level, hours_ago, rule="low_mood", open_=True):
        db.session.add(Flag(
            client_id=client.id, rule=rule, level=level, level_rank=LEVEL_RANK[level],
            evidence={}, raised_at=now - timedelta(hours=hours_ago),
            acknowledged_at=None if open_ else now - timedelta(hours=1),
        ))

    flag(silent, "urgent", 2, rule="safety")
    flag(asking, "low", 3, rule="worsening")
    flag(calm, "medium", 60, rule="bonding")  # before the digest's period: not new
    flag(elsewhere, "urgent", 5, rule="safety")
    for client in (asking, calm, elsewhere):
        db.session.add(CheckIn(client_id=client.id, day=MONDAY - timedelta(days=1), mood=3))
        for instrument in ("epds", "gad7"):
            db.session.add(QuestionnaireResponse(
                client_id=client.id, instrument=instrument, answers={}, item_scores=[0],
                total=0, band="minimal", locale="en", submitted_at=now - timedelta(days=2),
            ))
    thread = services.thread_between(asking, petra, create=True)
    services.send_message(thread, asking, "SECRET QUESTION about my sleep",
                          now=now - timedelta(hours=26))
    db.session.commit()
    return {"now": now, "petra": petra, "quinn": quinn, "clients": [silent, asking, calm]}


def test_the_digest_counts_without_names_or_health_data(practice, outbox):
    now, petra = practice["now"], practice["petra"]
    assert digest.send_digests(now) == 2  # Petra and Quinn; the admin has none here
    (mail,) = [m for m in digests(outbox) if m.recipient == petra.email]
    body = mail.body
    assert "- Urgent: 1" in body
    assert "- High: 0" in body
    assert "- Medium: 0" in body
    assert "- Low: 1" in body
    assert "Urgent flags not yet acknowledged: 1" in body
    assert "Messages waiting for an answer: 1 (the longest for 26 hours)" in body
    assert "Clients silent for more than 4 days: 1" in body
    assert "Questionnaires due and not done: 2" in body
    assert "http://127.0.0.1:5000/practice/" in body
    assert "/account/#messages-heading" in body
    for secret in ("Sanne", "Anna", "Carla", "Silent", "SECRET", "sleep", "safety", "EPDS",
                   "Eva"):
        assert secret not in body and secret not in mail.subject
    assert "7 December" in mail.subject


def test_the_admin_gets_the_whole_practice_and_the_dead_mail(practice, make, outbox):
    admin = make.admin()
    admin.locale = "en"
    db.session.add(OutboxMessage(
        recipient="gone@example.test", kind="reminder", subject="s", body="b",
        message_id="<dead@example.test>", dead_at=practice["now"] - timedelta(hours=3),
        attempts=9,
    ))
    db.session.commit()
    digest.send_digests(practice["now"])
    (mail,) = [m for m in digests(outbox) if m.recipient == admin.email]
    assert "whole practice" in mail.body
    assert "- Urgent: 2" in mail.body
    assert "Urgent flags not yet acknowledged: 2" in mail.body
    assert "E-mails the portal gave up sending: 1" in mail.body
    assert "/admin/outbox" in mail.body


def test_one_digest_a_day_however_often_the_worker_looks(practice, outbox):
    now = practice["now"]
    digest.send_digests(now)
    db.session.commit()
    sent = len(digests(outbox))
    # A second worker, a restart, the next tick: nothing more that day.
    for minutes in (0, 15, 60, 8 * 60):
        assert digest.send_digests(now + timedelta(minutes=minutes)) == 0
    assert len(digests(outbox)) == sent
    # The next working day brings the next one; only what is new since counts as new.
    tuesday = now + timedelta(days=1)
    assert digest.send_digests(tuesday) == 2
    mail = [m for m in digests(outbox) if m.recipient == practice["petra"].email][-1]
    assert "- Urgent: 0" in mail.body and "Urgent flags not yet acknowledged: 1" in mail.body


def test_no_digest_before_07_30_or_at_the_weekend(practice, outbox):
    now = practice["now"]
    assert digest.send_digests(local(MONDAY, 7, 15).astimezone(UTC)) == 0
    saturday = now - timedelta(days=2)
    assert digest.send_digests(saturday) == 0
    assert digests(outbox) == []


def test_weekly_is_monday_and_off_is_never(practice, outbox):
    now, petra, quinn = practice["now"], practice["petra"], practice["quinn"]
    services.save_settings(petra, notices=True, digest="weekly")
    services.save_settings(quinn, notices=True, digest="off")
    db.session.commit()
    assert digest.send_digests(now + timedelta(days=1)) == 0  # Tuesday
    assert digest.send_digests(now) == 1  # Monday: Petra's weekly one
    assert [m.recipient for m in digests(outbox)] == [petra.email]


def test_nothing_to_say_sends_nothing(make, outbox):
    lonely = make.practitioner()
    make.client(practitioner=lonely, started_on=MONDAY - timedelta(days=1),
                delivery_date=MONDAY - timedelta(days=10))
    now = local(MONDAY, 8, 0).astimezone(UTC)
    assert digest.send_digests(now) == 0
    assert digests(outbox) == []
    # The day is done all the same: the next tick does not count again.
    assert db.session.get(MessageSettings, lonely.id).last_digest_on == MONDAY


def test_the_worker_runs_the_digest_every_15_minutes():
    (job,) = [job for job in worker.JOBS if job.name == "send-digests"]
    assert job.every == timedelta(minutes=15)


def test_the_waiting_list_in_the_digest_counts_only_his_current_clients(practice, make, outbox):
    # Reassigned to a colleague: her waiting message is no longer Petra's to answer.
    asking = practice["clients"][1]
    asking.profile.practitioner_id = practice["quinn"].id
    db.session.commit()
    digest.send_digests(practice["now"])
    (mail,) = [m for m in digests(outbox) if m.recipient == practice["petra"].email]
    assert "Messages waiting for an answer: 0" in mail.body


def test_the_cron_command_sends_what_is_due(runner):
    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 0 and "0 digest(s) sent." in result.output
