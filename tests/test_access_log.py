"""The admin's access log: admins only, filters, pagination, CSV, and logging of its own use."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, User


def log_event(action: str, *, actor: User | None = None, client: User | None = None,
              at: datetime | None = None, detail: str | None = None) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        actor_label=actor.email if actor else None,
        client_id=client.id if client else None,
        client_label=client.email if client else None,
        detail=detail,
        at=at or datetime.now(UTC),
    )
    db.session.add(event)
    db.session.commit()
    return event


@pytest.fixture
def admin_client(login_as):
    test_client, admin = login_as("admin")
    admin.locale = "en"
    db.session.commit()
    return test_client, admin


@pytest.fixture
def people(make):
    practitioner = make.practitioner(name="Petra")
    colleague = make.practitioner(name="Carla")
    mila = make.client(practitioner=practitioner, name="Mila")
    noor = make.client(practitioner=colleague, name="Noor")
    return practitioner, colleague, mila, noor


def rows(html: str) -> int:
    return html.count("<tr>") - 1  # the header row


@pytest.mark.parametrize("role", ["client", "practitioner"])
def test_only_admins_read_the_access_log(login_as, client, role):
    assert client.get("/admin/access-log/").headers["Location"].startswith("/login")
    test_client, _user = login_as(role)
    assert test_client.get("/admin/access-log/").status_code == 403
    assert test_client.get("/admin/access-log/?format=csv").status_code == 403


def test_access_log_lists_and_filters_by_client_user_and_dates(admin_client, people):
    test_client, admin = admin_client
    practitioner, colleague, mila, noor = people
    long_ago = datetime.now(UTC) - timedelta(days=40)
    log_event("client_record_viewed", actor=practitioner, client=mila)
    log_event("flag_acknowledged", actor=practitioner, client=mila, detail="flag 3")
    log_event("client_record_viewed", actor=colleague, client=noor)
    log_event("note_created", actor=practitioner, client=mila, at=long_ago)

    html = test_client.get("/admin/access-log/").get_data(as_text=True)
    assert "Acknowledged a flag" in html and "Looked at the client record" in html
    assert "Wrote a note" in html

    html = test_client.get(f"/admin/access-log/?client={noor.id}").get_data(as_text=True)
    assert rows(html) == 1 and colleague.email in html

    html = test_client.get(f"/admin/access-log/?user={practitioner.id}").get_data(as_text=True)
    assert rows(html) == 3

    since = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    html = test_client.get(
        f"/admin/access-log/?user={practitioner.id}&date_from={since}"
    ).get_data(as_text=True)
    assert rows(html) == 2
    until = (long_ago + timedelta(days=1)).date().isoformat()
    html = test_client.get(
        f"/admin/access-log/?client={mila.id}&date_to={until}"
    ).get_data(as_text=True)
    assert rows(html) == 1 and "Wrote a note" in html


@pytest.mark.parametrize(
    "query",
    ["client=abc", "user=99999", "date_from=yesterday", "date_to=2026-02-30",
     "date_from=2026-05-01&date_to=2026-04-01", "page=-1", "page=zz", "client=&user=&page=999"],
)
def test_access_log_ignores_garbage_filters(admin_client, people, query):
    test_client, _admin = admin_client
    response = test_client.get(f"/admin/access-log/?{query}")
    assert response.status_code == 200
    response = test_client.get(f"/admin/access-log/?{query}&format=csv")
    assert response.status_code == 200


def test_access_log_paginates(admin_client, people):
    test_client, _admin = admin_client
    practitioner, _colleague, mila, _noor = people
    for _ in range(60):
        log_event("client_record_viewed", actor=practitioner, client=mila)
    first = test_client.get(f"/admin/access-log/?client={mila.id}").get_data(as_text=True)
    second = test_client.get(f"/admin/access-log/?client={mila.id}&page=2").get_data(as_text=True)
    assert rows(first) == 50 and rows(second) == 10
    assert "Page 1 of 2" in first and f"client={mila.id}" in first


def test_access_log_csv_export(admin_client, people):
    test_client, admin = admin_client
    practitioner, _colleague, mila, noor = people
    log_event("client_record_viewed", actor=practitioner, client=mila)
    log_event("client_record_viewed", actor=practitioner, client=noor, detail="=HYPERLINK(1)")
    response = test_client.get(f"/admin/access-log/?format=csv&user={practitioner.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="access-log-' in disposition
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["client"] for row in table] == [noor.email, mila.email]
    assert table[0]["detail"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert table[1]["action_label"] == "Looked at the client record"
    assert table[1]["actor_role"] == "practitioner"


def test_viewing_and_exporting_the_log_is_logged(admin_client, people):
    test_client, admin = admin_client
    _practitioner, _colleague, mila, _noor = people
    test_client.get(f"/admin/access-log/?client={mila.id}")
    test_client.get("/admin/access-log/?format=csv")
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action.in_(("access_log_viewed", "access_log_exported")))
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("access_log_viewed", admin.id),
        ("access_log_exported", admin.id),
    ]
    assert events[0].detail == f"filters: client {mila.id}"
    # The view itself shows in the log it lists.
    html = test_client.get("/admin/access-log/").get_data(as_text=True)
    assert "Looked at the access log" in html and "Downloaded the access log" in html


def test_a_practitioners_look_at_a_record_shows_in_the_log(admin_client, people, login_as):
    test_client, _admin = admin_client
    practitioner, _colleague, mila, _noor = people
    practice_client, _user = login_as(user=practitioner)
    assert practice_client.get(f"/practice/clients/{mila.id}").status_code == 200
    html = test_client.get(f"/admin/access-log/?client={mila.id}").get_data(as_text=True)
    assert rows(html) == 1 and practitioner.email in html and "Looked at the client record" in html


def test_a_refusal_carries_the_client_that_was_asked_for(login_as, people, admin_client):
    _practitioner, colleague, mila, _noor = people
    test_client, _user = login_as(user=colleague)
    assert test_client.get(f"/practice/clients/{mila.id}").status_code == 404
    refusal = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "authorisation_denied")
    ).one()
    assert refusal.client_id == mila.id and refusal.actor_id == colleague.id
    admin, _admin = admin_client
    html = admin.get(f"/admin/access-log/?client={mila.id}").get_data(as_text=True)
    assert "Was refused a page" in html


def test_a_dashboard_view_is_in_the_access_log(login_as, people, admin_client):
    practitioner, _colleague, mila, _noor = people
    test_client, _user = login_as(user=practitioner)
    assert test_client.get("/practice/").status_code == 200
    admin, _admin = admin_client
    html = admin.get("/admin/access-log/").get_data(as_text=True)
    assert "Looked at the dashboard of clients" in html
    assert f"clients {mila.id}" in html


@pytest.mark.parametrize(
    ("detail", "english", "dutch"),
    [
        ("period 30 days", "period of 30 days", "periode van 30 dagen"),
        ("flag 2: no_answer", "flag 2: no answer", "signaal 2: geen gehoor"),
        ("note 5 (shared)", "note 5 (shared with the client)", "notitie 5 (gedeeld met de cliënt)"),
        ("thread 3", "conversation 3", "gesprek 3"),
        ("clients 4, 5", "clients 4, 5", "cliënten 4, 5"),
    ],
)
def test_details_are_shown_in_the_reader_s_language(admin_client, detail, english, dutch):
    admin, user = admin_client
    log_event("client_record_viewed", detail=detail)
    assert english in admin.get("/admin/access-log/").get_data(as_text=True)
    user.locale = "nl"
    db.session.commit()
    assert dutch in admin.get("/admin/access-log/").get_data(as_text=True)
