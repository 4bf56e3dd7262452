"""What the admin and a monitor see of the outbox: counts, errors, a retry button, /healthz."""

from datetime import UTC, datetime, timedelta

from config import TestingConfig
from portal import create_app
from portal.extensions import db
from portal.mail import send_mail
from tests.conftest import post_form
from tests.mailservers import free_port


def english(user):
    user.locale = "en"
    db.session.commit()
    return user


def queue(kind="invitation", *, attempts=0, dead=False, error=None, body="Dear Wilma Secret"):
    (message,) = send_mail(f"{kind}@example.test", "Subject", body, kind=kind)
    message.attempts = attempts
    message.last_error = error
    if dead:
        message.dead_at = datetime.now(UTC)
    db.session.commit()
    return message


def test_the_admin_sees_counts_and_errors_but_no_recipient_or_body(login_as):
    browser, admin = login_as("admin")
    english(admin)
    queue()
    queue(attempts=2, error="ConnectionRefusedError: [Errno 111] Connection refused")
    queue("urgent_flag", attempts=9, dead=True, error="SMTPDataError: 554 rejected")
    page = browser.get("/admin/outbox").get_data(as_text=True)
    assert "Waiting to be sent" in page
    counts = page.split('class="outbox-counts"')[1].split("</dl>")[0]
    assert [part.split("</dd>")[0].strip() for part in counts.split("<dd>")[1:4]] == ["1", "1", "1"]
    assert "554 rejected" in page and "Connection refused" in page
    assert "Wilma Secret" not in page and "@example.test" not in page


def test_the_retry_button_revives_dead_messages(login_as):
    browser, _admin = login_as("admin")
    message = queue(attempts=9, dead=True, error="timed out")
    response = post_form(browser, "/admin/outbox/retry-dead", token_from="/admin/outbox")
    assert response.status_code == 302
    db.session.refresh(message)
    assert message.state == "retrying" and message.next_attempt_at <= datetime.now(UTC)


def test_a_dead_urgent_notice_is_a_banner_for_every_admin_only(login_as, make):
    admin_browser, admin = login_as("admin")
    practitioner_browser, practitioner = login_as("practitioner")
    english(admin), english(practitioner)
    assert "could not be e-mailed" not in admin_browser.get("/admin/").get_data(True)
    queue("urgent_flag", attempts=30, dead=True, error="timed out")
    for page in ("/admin/", "/admin/access-log/", "/account/"):
        html = admin_browser.get(page).get_data(as_text=True)
        assert "1 urgent-flag notice could not be e-mailed." in html, page
    assert "could not be e-mailed" not in practitioner_browser.get("/practice/").get_data(
        True
    )


def test_only_admins_open_the_outbox_page(login_as, client):
    practitioner_browser, _practitioner = login_as("practitioner")
    assert practitioner_browser.get("/admin/outbox").status_code in (403, 404)
    assert client.get("/admin/outbox").status_code == 302


def test_healthz_reports_the_database_redis_and_the_backlog_without_personal_data(app, client):
    message = queue(body="Dear Wilma Secret")
    message.created_at = datetime.now(UTC) - timedelta(minutes=10)
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.get_json()
    assert report["database"] == "ok" and report["redis"] == "not used"
    assert report["outbox"]["queued"] == 1
    assert 590 <= report["outbox"]["oldest_waiting_seconds"] <= 900
    assert "@" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_healthz_says_when_redis_is_unreachable(app, client):
    app.config["RATELIMIT_STORAGE_URI"] = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["redis"] == "unreachable"


def test_healthz_is_503_when_the_database_does_not_answer():
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
