"""Mail faults with real parts: a mail server that refuses, one that hangs, one that comes back.

Nothing a mother or practitioner needs may wait on a mail server: requests only write outbox
rows, and the worker delivers them with retries. The servers here are real (aiosmtpd, a socket
that never answers, a closed port); nothing of the portal is mocked.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import outbox as delivery
from portal import worker
from portal.extensions import db
from portal.mail import send_mail
from portal.models import Flag, OutboxMessage, QuestionnaireResponse, ScheduledJob
from tests.conftest import post_drawn_form, post_form
from tests.mailservers import SilentServer, SmtpServer
from tests.test_questionnaires import answers_for

ROOT = Path(__file__).resolve().parents[1]
ITEM_TEN = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]


@pytest.fixture
def smtp():
    """A real SMTP server on loopback, not yet started: the test decides when it is up."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def app_config(smtp):
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp.port,
        "MAIL_USE_TLS": False,
        "MAIL_TIMEOUT_SECONDS": 1,
    }


@pytest.fixture
def mother(login_as, make):
    practitioner = make.practitioner(name="Petra Praktijk")
    client = make.client(practitioner=practitioner, name="Mira Moeder", locale="en")
    client.locale = "en"
    db.session.commit()
    browser, client = login_as("client", user=client)
    return browser, client, practitioner


def answer_item_ten(browser):
    return post_drawn_form(
        browser, "/questionnaires/epds", answers_for("epds", ITEM_TEN), follow_redirects=True
    )


def assert_help_shown_and_answers_stored(response, client):
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for number in ("113", "0800-0113", "112"):
        assert number in page
    stored = db.session.scalars(
        sa.select(QuestionnaireResponse).where(QuestionnaireResponse.client_id == client.id)
    ).all()
    assert [r.item_scores for r in stored] == [ITEM_TEN]
    flag = db.session.scalar(sa.select(Flag).where(Flag.client_id == client.id))
    assert flag.rule == "safety" and flag.level == "urgent"


def test_item_ten_with_the_mail_server_refusing_shows_help_and_keeps_everything(app, mother):
    browser, client, practitioner = mother  # smtp is not started: its port refuses
    response = answer_item_ten(browser)
    assert_help_shown_and_answers_stored(response, client)
    (notice,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert notice.recipient == practitioner.email and notice.state == "queued"


def test_item_ten_with_a_hanging_mail_server_never_touches_it(app, mother, silent):
    browser, client, _practitioner = mother
    app.config["MAIL_PORT"] = silent.port
    response = answer_item_ten(browser)
    assert_help_shown_and_answers_stored(response, client)
    # The request did not even open a connection: nothing can make her wait on it.
    assert silent.connections == 0
    report = delivery.deliver_pass()
    assert (report.sent, report.failed) == (0, 1)
    assert silent.connections == 1


def test_refused_then_hanging_then_back_delivers_the_notice_exactly_once(
    app, mother, smtp, silent, runner
):
    browser, client, practitioner = mother
    answer_item_ten(browser)

    # Refused: the attempt is recorded and a retry is planned with backoff.
    result = runner.invoke(args=["outbox", "deliver"])
    assert "0 sent, 1 to retry" in result.output
    notice = db.session.scalar(sa.select(OutboxMessage))
    db.session.refresh(notice)
    assert notice.attempts == 1 and "Refused" in notice.last_error
    assert notice.next_attempt_at > datetime.now(UTC)
    # Not due yet: a plain pass leaves it alone; --all is what an admin runs after a fix.
    assert "0 sent, 0 to retry" in runner.invoke(args=["outbox", "deliver"]).output

    # Hanging: the worker gives up after MAIL_TIMEOUT_SECONDS, and tries again later.
    app.config["MAIL_PORT"] = silent.port
    assert "0 sent, 1 to retry" in runner.invoke(args=["outbox", "deliver", "--all"]).output
    db.session.refresh(notice)
    assert notice.attempts == 2 and "timed out" in notice.last_error

    # Back: delivered once, and a second pass sends nothing more.
    app.config["MAIL_PORT"] = smtp.port
    smtp.start()
    assert "1 sent" in runner.invoke(args=["outbox", "deliver", "--all"]).output
    assert "0 sent" in runner.invoke(args=["outbox", "deliver", "--all"]).output
    (mail,) = smtp.handler.messages
    db.session.refresh(notice)
    assert notice.state == "sent" and notice.body == ""
    assert mail["To"] == practitioner.email and mail["Message-ID"] == notice.message_id
    text = mail.get_payload(decode=True).decode()
    assert "M.M." in text
    for leak in ("Mira", "Moeder", "EPDS", "score", "1/30", "harm", "item"):
        assert leak not in text and leak not in mail["Subject"]


def test_a_rolled_back_event_sends_nothing(app, make, smtp):
    smtp.start()
    send_mail("someone@example.test", "Subject", "Body")
    db.session.rollback()
    assert delivery.deliver_pass().sent == 0
    assert smtp.handler.messages == []


def test_sign_ins_and_invitations_work_with_the_mail_server_down(app, login_as, client):
    admin_browser, _admin = login_as("admin")
    response = post_form(
        admin_browser,
        "/admin/invite",
        {"email": "new.mother@example.test", "full_name": "New Mother", "role": "practitioner",
         "practitioner_id": "0", "locale": "nl"},
        token_from="/admin/invite",
    )
    assert response.status_code == 302
    response = post_form(client, "/reset", {"email": "nobody@example.test"}, token_from="/reset")
    assert response.status_code == 302
    queued = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert queued == ["invitation"]


def test_a_message_that_keeps_failing_for_a_day_is_dead(app, smtp):
    (message,) = send_mail("late@example.test", "Subject", "Body")
    message.created_at = datetime.now(UTC) - timedelta(hours=23, minutes=59, seconds=50)
    db.session.commit()
    report = delivery.deliver_pass()
    assert report.dead == 1
    db.session.refresh(message)
    assert message.state == "dead" and message.dead_at is not None
    # The admin's button (and `flask outbox retry-dead`) gives it a fresh day.
    smtp.start()
    assert delivery.retry_dead() == 1
    db.session.commit()
    assert delivery.deliver_pass().sent == 1
    assert smtp.handler.message_ids() == [message.message_id]


def test_a_permanent_refusal_is_dead_at_once_and_does_not_block_the_rest(app, smtp):
    smtp.handler.refuse = {"gone@example.test"}
    smtp.start()
    send_mail(["gone@example.test", "here@example.test"], "Subject", "Body")
    db.session.commit()
    report = delivery.deliver_pass()
    assert (report.sent, report.dead) == (1, 1)
    assert [m["To"] for m in smtp.handler.messages] == ["here@example.test"]


def test_retry_delays_double_with_jitter_and_stop_growing_at_an_hour():
    for attempts, base in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (30, 3600)]:
        for _ in range(20):
            delay = delivery.retry_delay(attempts).total_seconds()
            assert base / 2 <= delay <= base


def test_two_workers_at_once_never_send_a_message_twice(app, smtp):
    smtp.start()
    for number in range(60):
        send_mail(f"mother{number}@example.test", "Subject", "Body")
    db.session.commit()

    def one_worker():
        with app.app_context():
            delivery.deliver_until_empty()
            db.session.remove()

    threads = [threading.Thread(target=one_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = smtp.handler.message_ids()
    assert len(ids) == 60 and len(set(ids)) == 60
    assert db.session.scalar(
        sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_not(None))
    ) == 60


WORKER_SCRIPT = """
import sys
from config import TestingConfig
from portal import create_app, outbox
app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=sys.argv[1], MAIL_BACKEND="smtp",
                 MAIL_SERVER="127.0.0.1", MAIL_PORT=int(sys.argv[2]), MAIL_USE_TLS=False,
                 OUTBOX_CLAIM_SECONDS=1)
with app.app_context():
    outbox.deliver_pass()
"""


def test_a_worker_killed_mid_pass_loses_nothing_and_a_resent_copy_keeps_its_id(app, smtp):
    for number in range(5):
        send_mail(f"mother{number}@example.test", "Subject", "Body")
    db.session.commit()
    smtp.handler.hold.set()  # the server takes the first message and keeps the worker waiting
    smtp.start()
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, str(db.engine.url.render_as_string(False)),
         str(smtp.port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert smtp.handler.received.wait(30), "the worker never reached the mail server"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    db.session.expire_all()
    sent = sa.select(sa.func.count()).where(OutboxMessage.sent_at.is_not(None))
    assert db.session.scalar(sent) == 0
    first = smtp.handler.message_ids()
    assert len(first) == 1

    # The killed worker's claim runs out (1 s); the next pass takes every message.
    smtp.handler.release.set()
    smtp.handler.hold.clear()
    time.sleep(1.2)
    assert delivery.deliver_until_empty().sent == 5
    ids = smtp.handler.message_ids()
    assert ids.count(first[0]) == 2  # sent again, under the same Message-ID
    assert set(ids) == set(db.session.scalars(sa.select(OutboxMessage.message_id)))


def test_the_worker_delivers_and_runs_each_job_once_per_period(app, make, smtp, runner):
    smtp.start()
    send_mail("someone@example.test", "Subject", "Body")
    db.session.commit()
    result = runner.invoke(args=["worker", "--ticks", "2"])
    assert result.exit_code == 0, result.output
    assert len(smtp.handler.messages) == 1
    jobs = {job.name: job for job in db.session.scalars(sa.select(ScheduledJob))}
    assert set(jobs) == {
        "evaluate-flags", "escalate-flags", "send-reminders", "send-digests", "purge-outbox",
        "send-appointment-reminders",
    }
    started = {name: job.last_started_at for name, job in jobs.items()}
    # A second worker (or a restart) within the period runs none of them again.
    assert worker.run_due_jobs() == {}
    db.session.expire_all()
    again = db.session.scalars(sa.select(ScheduledJob))
    assert {job.name: job.last_started_at for job in again} == started
    # Fifteen minutes later only the reminders and the digests are due.
    later = datetime.now(UTC) + timedelta(minutes=15, seconds=1)
    assert set(worker.run_due_jobs(now=later)) == {
        "send-reminders", "send-digests", "send-appointment-reminders"
    }


def test_seed_demo_loads_with_the_mail_server_down(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) >= 1
