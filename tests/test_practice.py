"""The practitioner's dashboard and client page: own clients only, sorting, filters, flags,
notes, phone consults, bounded queries and the access log entries they write."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from portal.auditlog.entries import access_log_for_client
from portal.auth.services import create_user
from portal.dates import local_today
from portal.extensions import db
from portal.flags import LEVEL_RANK
from portal.messages import services as messages
from portal.models import (
    AuditEvent,
    CheckIn,
    Flag,
    Note,
    NoteRevision,
    QuestionnaireResponse,
    User,
)
from portal.practice import consult
from tests.conftest import post_drawn_form, post_form

NOW = datetime.now(UTC)
TODAY = local_today()


def english(user: User) -> User:
    """Let the user read English, so tests can look for visible text."""
    user.locale = "en"
    db.session.commit()
    return user


def quick_client(practitioner: User, name: str, **profile) -> User:
    """Create a client without a password (hashing is slow and these never sign in)."""
    client = create_user(
        f"{name.lower().replace(' ', '.')}@example.test", name, "client", practitioner=practitioner
    )
    client.profile.delivery_date = profile.get("delivery_date", TODAY - timedelta(weeks=6))
    client.profile.delivery_type = profile.get("delivery_type", "induced_oxytocin")
    client.profile.started_on = profile.get("started_on", TODAY - timedelta(days=60))
    db.session.commit()
    return client


def add_flag(client: User, rule: str, level: str, hours_ago: float, **fields) -> Flag:
    flag = Flag(
        client_id=client.id,
        rule=rule,
        level=level,
        level_rank=LEVEL_RANK[level],
        evidence=fields.pop("evidence", {}),
        raised_at=NOW - timedelta(hours=hours_ago),
        **fields,
    )
    db.session.add(flag)
    db.session.commit()
    return flag


def add_checkin(client: User, days_ago: int, mood: int = 3, **values) -> CheckIn:
    checkin = CheckIn(
        client_id=client.id,
        day=TODAY - timedelta(days=days_ago),
        mood=mood,
        activities=values.pop("activities", []),
        **values,
    )
    db.session.add(checkin)
    db.session.commit()
    return checkin


def add_epds(client: User, total: int, item_10: int = 0, days_ago: int = 1):
    band = (
        "few_symptoms"
        if total <= 9
        else "possible_depression"
        if total <= 12
        else ("probable_depression")
    )
    scores = [0] * 9 + [item_10]
    response = QuestionnaireResponse(
        client_id=client.id,
        instrument="epds",
        answers={},
        item_scores=scores,
        total=total,
        band=band,
        safety=item_10 >= 1,
        locale="en",
        submitted_at=NOW - timedelta(days=days_ago),
    )
    db.session.add(response)
    db.session.commit()
    return response


def client_links(html: str) -> list[str]:
    """Return the client names on the dashboard, in order."""
    return re.findall(r'<a href="/practice/clients/\d+">([^<]+)</a>', html)


@pytest.fixture
def practitioner_client(login_as):
    test_client, practitioner = login_as("practitioner")
    english(practitioner)
    return test_client, practitioner


# The dashboard.


def test_dashboard_shows_only_her_own_clients(practitioner_client, make):
    test_client, practitioner = practitioner_client
    quick_client(practitioner, "Anna Mine")
    quick_client(make.practitioner(), "Bea Theirs")
    html = test_client.get("/practice/").get_data(as_text=True)
    assert client_links(html) == ["Anna Mine"]


def test_dashboard_row_shows_weeks_checkins_sparklines_epds_and_badges(practitioner_client):
    test_client, practitioner = practitioner_client
    anna = quick_client(
        practitioner,
        "Anna",
        delivery_date=TODAY - timedelta(weeks=5, days=3),
        delivery_type="emergency_caesarean",
    )
    for days_ago in (2, 3, 5):
        add_checkin(anna, days_ago, mood=2, sleep_hours=5.5, bonding=4)
    add_epds(anna, 14, item_10=1)
    add_flag(anna, "safety", "urgent", 3, evidence={"total": 14, "item_10": 1})
    gad7 = add_epds(anna, 12)
    gad7.instrument, gad7.band = "gad7", "moderate"
    db.session.commit()
    html = test_client.get("/practice/").get_data(as_text=True)
    # The delivery type is on her page, not in a column of its own.
    assert "Emergency caesarean" not in html.split('class="dashboard compact"')[1]
    assert '<td data-label="Weeks postpartum" class="num">5</td>' in html
    assert f'<td data-label="Client number" class="num">{anna.id}</td>' in html
    assert 'data-label="GAD-7"' in html and "GAD-7 12" in html
    assert "2 days ago" in html
    assert html.count('class="sparkline"') == 3
    # Drawn inline, named once: "Mood, last 14 days: stayed around 2.0", never the label twice.
    assert 'aria-label="Mood, last 14 days: stayed around 2.0"' in html
    assert html.count("last 14 days") == 3  # once per sparkline
    assert "EPDS 14 – item 10 (thoughts of harming herself) scored 1" in html
    # Each flag badge says how long it has been open and links to the flag on her page.
    flag_id = db.session.scalar(sa.select(Flag.id).where(Flag.client_id == anna.id))
    badge = html[html.index(f'href="/practice/clients/{anna.id}#flag-{flag_id}"') :]
    badge = badge[: badge.index("</a>")]
    assert 'class="badge urgent"' in badge
    assert "Urgent: EPDS item 10 ≥ 1 (thoughts of harming herself)" in badge
    assert '<span class="flag-age"> · 3 hours</span>' in badge
    # The drawings are inline SVG in the page: no image to fetch, one polyline per run of days.
    assert "<img" not in html.split('class="dashboard compact"')[1]
    svg = html[html.index('<svg class="sparkline"') :].split("</svg>")[0]
    assert svg.count("<polyline") == 1 and svg.count("<circle") == 1  # days 3-2 and lone day 5


def test_sparkline_words_say_which_way_it_went(practitioner_client):
    test_client, practitioner = practitioner_client
    anna = quick_client(practitioner, "Anna")
    for days_ago, mood in ((6, 4), (5, 4), (2, 2), (1, 2)):
        add_checkin(anna, days_ago, mood=mood, sleep_hours=6, bonding=4)
    html = test_client.get("/practice/").get_data(as_text=True)
    assert 'aria-label="Mood, last 14 days: fell from 4.0 to 2.0"' in html


def test_sparkline_images_are_gone(practitioner_client):
    test_client, practitioner = practitioner_client
    anna = quick_client(practitioner, "Anna")
    assert test_client.get(f"/practice/clients/{anna.id}/sparklines/mood.svg").status_code == 404



def test_dashboard_sorts_by_most_urgent_then_longest_open_then_name(practitioner_client):
    test_client, practitioner = practitioner_client
    calm = quick_client(practitioner, "Aafke Calm")
    low_old = quick_client(practitioner, "Britt Low")
    high_new = quick_client(practitioner, "Carla High New")
    high_old = quick_client(practitioner, "Dana High Old")
    urgent = quick_client(practitioner, "Zoe Urgent")
    acknowledged = quick_client(practitioner, "Eva Was Urgent")
    add_flag(low_old, "silent", "low", 200)
    add_flag(high_new, "epds_high", "high", 2)
    add_flag(high_old, "epds_high", "high", 30)
    add_flag(high_old, "silent", "low", 300)
    add_flag(urgent, "safety", "urgent", 1)
    add_flag(urgent, "worsening", "low", 500)
    add_flag(
        acknowledged,
        "safety",
        "urgent",
        100,
        acknowledged_at=NOW,
        acknowledged_by_id=practitioner.id,
        acknowledgement_note="Called her.",
    )
    assert calm  # no flag: after every flagged client, by name
    html = test_client.get("/practice/").get_data(as_text=True)
    assert client_links(html) == [
        "Zoe Urgent",
        "Dana High Old",
        "Carla High New",
        "Britt Low",
        "Aafke Calm",
        "Eva Was Urgent",
    ]


def test_dashboard_filters_and_search(practitioner_client):
    test_client, practitioner = practitioner_client
    flagged = quick_client(practitioner, "Fleur Flagged", delivery_type="spontaneous")
    silent = quick_client(practitioner, "Sanne Silent")
    never = quick_client(practitioner, "Nina Never", started_on=TODAY - timedelta(days=10))
    new = quick_client(practitioner, "Nora New", started_on=TODAY - timedelta(days=1))
    active = quick_client(practitioner, "Anouk Active", delivery_type="planned_caesarean")
    add_flag(flagged, "low_mood", "medium", 5)
    add_checkin(flagged, 0)
    add_checkin(silent, 4)
    add_checkin(active, 3)
    assert never and new

    def names(query: str) -> list[str]:
        response = test_client.get("/practice/" + query)
        assert response.status_code == 200
        return client_links(response.get_data(as_text=True))

    assert names("?flagged=y") == ["Fleur Flagged"]
    assert names("?silent=y") == ["Nina Never", "Sanne Silent"]
    assert names("?delivery_type=planned_caesarean") == ["Anouk Active"]
    assert names("?q=nO") == ["Anouk Active", "Nora New"]
    assert names("?q=silent&silent=y") == ["Sanne Silent"]
    assert names("?q=%25") == []  # a LIKE wildcard is searched for literally
    # Garbage is ignored, never an error.
    everyone = names("")
    assert names("?delivery_type=rocket&page=-3&flagged=&q=" + "x" * 500) == everyone
    assert names("?page=abc&silent=maybe") == ["Nina Never", "Sanne Silent"]


def test_dashboard_paginates_past_fifty(practitioner_client):
    test_client, practitioner = practitioner_client
    for number in range(55):
        quick_client(practitioner, f"Client {number:02d}")
    first = client_links(test_client.get("/practice/").get_data(as_text=True))
    second_html = test_client.get("/practice/?page=2").get_data(as_text=True)
    second = client_links(second_html)
    assert len(first) == 50 and len(second) == 5
    assert first[0] == "Client 00" and second[-1] == "Client 54"
    assert "Page 2 of 2" in second_html
    # An old link past the end shows the last page.
    assert client_links(test_client.get("/practice/?page=9").get_data(as_text=True)) == second


def _caseload(practitioner: User, count: int, first: int = 0) -> None:
    for number in range(first, first + count):
        client = quick_client(practitioner, f"Load {number:03d}")
        for days_ago in range(0, 14, 2):
            add_checkin(client, days_ago, mood=1 + number % 5, sleep_hours=6, bonding=3)
        add_epds(client, number % 20)
        add_flag(client, "silent", "low", number + 1)
        if number % 3 == 0:
            add_flag(client, "epds_high", "high", number + 2)
        # Every client has a message waiting (and unread): the waiting list and the unread
        # badge must not cost a query per client either.
        thread = messages.thread_between(client, practitioner, create=True)
        messages.send_message(thread, client, f"question {number}")
    db.session.commit()


def _count_queries(app, test_client, path: str) -> tuple[list[str], str]:
    """Return the SQL statements a page ran, and the page."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = test_client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return statements, response.get_data(as_text=True)


def same_statements(few: list[str], many: list[str]) -> bool:
    """Tell whether two pages ran the same number of statements (showing the odd ones if not)."""
    if len(few) != len(many):
        odd = set(few) ^ set(many)
        print("statements that differ:", *sorted(odd), sep="\n")
    return len(few) == len(many)


def test_dashboard_runs_the_same_number_of_queries_for_5_and_60_clients(
    app, practitioner_client, make
):
    test_client, practitioner = practitioner_client
    _caseload(practitioner, 5)
    few, html = _count_queries(app, test_client, "/practice/")
    assert len(client_links(html)) == 5
    _caseload(practitioner, 55, first=5)
    many, html = _count_queries(app, test_client, "/practice/")
    assert len(client_links(html)) == 50
    assert html.count('class="sparkline"') == 150
    waiting = html[html.index('id="waiting"') :].split("</p>")[0]
    assert waiting.count("#messages") == 3 and "60 conversations wait" in waiting
    assert html.count('class="badge medium mini"') == 50  # each row's waiting message
    assert '<span class="badge unread"' in html
    assert same_statements(few, many)
    assert len(many) <= 10


# The client page and who may open it.


@pytest.fixture
def record(make):
    """A practitioner, her client with some history, and one open flag and one note."""
    practitioner = english(make.practitioner(name="Petra Practitioner"))
    client = make.client(practitioner=practitioner, name="Mila Mother")
    flag = add_flag(
        client,
        "low_mood",
        "medium",
        10,
        evidence={
            "streak": 3,
            "days": [(TODAY - timedelta(days=d)).isoformat() for d in (3, 2, 1)],
            "moods": [2, 2, 1],
        },
    )
    note = Note(client_id=client.id, author_id=practitioner.id, body="First words", shared=False)
    db.session.add(note)
    db.session.commit()
    return practitioner, client, flag, note


def client_scoped_requests(client_id: int, flag_id: int, note_id: int):
    base = f"/practice/clients/{client_id}"
    return [
        ("GET", base, None),
        ("GET", f"{base}?days=90", None),
        ("POST", f"/practice/flags/{flag_id}/acknowledge", {f"flag-{flag_id}-note": "Called"}),
        ("POST", f"{base}/notes", {"body": "A note"}),
        ("GET", f"{base}/notes/{note_id}/edit", None),
        ("POST", f"{base}/notes/{note_id}/edit", {"body": "Changed"}),
        ("POST", f"{base}/notes/{note_id}/withdraw", {f"note-{note_id}-reason": "Wrong client"}),
        ("POST", f"{base}/checkins", {"day": TODAY.isoformat(), "mood": "3"}),
    ]


@pytest.mark.parametrize(
    "who", ["client_herself", "another_client", "another_practitioner", "admin"]
)
def test_client_scoped_routes_answer_404_to_anyone_but_her_practitioner(
    record, login_as, make, who
):
    practitioner, client, flag, note = record
    if who == "client_herself":
        test_client, _user = login_as(user=client)
    elif who == "another_client":
        test_client, _user = login_as("client", practitioner=practitioner)
    else:
        test_client, _user = login_as(who.replace("another_", ""))
    for method, path, data in client_scoped_requests(client.id, flag.id, note.id):
        if method == "GET":
            response = test_client.get(path)
        else:
            response = post_form(test_client, path, data)
        assert response.status_code == 404, (who, method, path)
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).acknowledged_at is None
    assert db.session.get(Note, note.id).body == "First words"
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Note.id))) == 1
    assert not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "client_record_viewed")
    ).all()


def test_client_scoped_routes_send_anonymous_visitors_to_login(record, client):
    _practitioner, mother, flag, note = record
    for method, path, _data in client_scoped_requests(mother.id, flag.id, note.id):
        response = client.get(path) if method == "GET" else client.post(path)
        assert response.status_code in (302, 400), (method, path)
        if method == "GET":
            assert response.headers["Location"].startswith("/login")


def test_dashboard_is_for_practitioners(login_as, client):
    assert client.get("/practice/").headers["Location"].startswith("/login")
    for role in ("client", "admin"):
        test_client, _user = login_as(role)
        assert test_client.get("/practice/").status_code == 403


def test_unknown_client_and_flag_answer_404(login_as):
    test_client, _practitioner = login_as("practitioner")
    assert test_client.get("/practice/clients/999").status_code == 404
    assert post_form(test_client, "/practice/flags/999/acknowledge", {}).status_code == 404


def test_client_page_shows_the_record(record, login_as, app):
    practitioner, client, flag, note = record
    client.profile.feeding = "both"
    add_checkin(
        client,
        1,
        mood=2,
        tension=4,
        bonding=2,
        sleep_hours=4.75,
        activities=["hug", "walk_outside"],
        note="Hard night with the baby",
    )
    add_checkin(client, 40, mood=5, note="Long ago")
    phone = add_checkin(client, 2, mood=3)
    phone.entered_by_id = practitioner.id
    add_epds(client, 11, item_10=2, days_ago=3)
    add_epds(client, 4, item_10=0, days_ago=40)
    add_flag(
        client,
        "silent",
        "low",
        400,
        acknowledged_at=NOW - timedelta(days=10),
        acknowledged_by_id=practitioner.id,
        acknowledgement_note="Phoned: on holiday",
    )
    test_client, _user = login_as(user=practitioner)
    response = test_client.get(f"/practice/clients/{client.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mila Mother" in html and "Both breast and bottle" in html
    assert html.count('<figure class="chart">') == 2
    assert 'alt="Mood, tension, energy and bonding (1 to 5): Mood ' in html
    assert "Hard night with the baby" in html and "Long ago" not in html
    assert "A hug of 20 seconds or more" in html
    assert "recorded by practitioner" in html
    assert "EPDS 11 – 10 or more: discuss (Dutch cut-off 12/13)" in html
    assert '<strong class="badge urgent">Item 10 (thoughts of harming herself): 2</strong>' in html
    assert "Mood 2 or lower on 3 logged days in a row" in html
    assert "Phoned: on holiday" in html and "Acknowledged by Petra Practitioner" in html
    assert "First words" in html
    # The reports' summary of the period with its PDF links, and guidance progress.
    assert f"/reports/clients/{client.id}.pdf?days=30" in html
    assert "Guidance modules" in html
    # 90 days reaches the older check-in.
    assert "Long ago" in test_client.get(f"/practice/clients/{client.id}?days=90").get_data(
        as_text=True
    )
    assert test_client.get(f"/practice/clients/{client.id}?days=7000").status_code == 200


def test_client_page_runs_the_same_number_of_queries_however_long_the_record(app, record, login_as):
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    add_checkin(client, 1)
    few, _html = _count_queries(app, test_client, f"/practice/clients/{client.id}?days=90")
    for days_ago in range(2, 80):
        add_checkin(client, days_ago, mood=2, note="A note", entered_by_id=practitioner.id)
    for days_ago in (5, 30, 60):
        add_epds(client, 12, days_ago=days_ago)
    for hours_ago in (100, 300, 500):
        add_flag(
            client, "silent", "low", hours_ago, cleared_at=NOW, acknowledged_by_id=practitioner.id
        )
    for number in range(5):
        db.session.add(Note(client_id=client.id, author_id=practitioner.id, body=f"N{number}"))
    db.session.commit()
    many, html = _count_queries(app, test_client, f"/practice/clients/{client.id}?days=90")
    assert html.count('class="checkin-day"') == 79
    assert same_statements(few, many)


def test_every_client_page_view_writes_an_audit_event_without_health_data(record, login_as):
    practitioner, client, _flag, _note = record
    add_checkin(client, 0, mood=1, note="Secret feelings")
    test_client, _user = login_as(user=practitioner)
    for path in ("", "?days=90", "?days=30"):
        assert test_client.get(f"/practice/clients/{client.id}{path}").status_code == 200
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "client_record_viewed")
    ).all()
    assert len(events) == 3
    for event_row in events:
        assert event_row.client_id == client.id and event_row.actor_id == practitioner.id
        assert event_row.actor_role == "practitioner"
        text = f"{event_row.detail} {event_row.client_label}"
        for health in ("Secret", "mood", "low_mood", "First words", "medium"):
            assert health not in text


# Acknowledging a flag.


def test_acknowledging_needs_a_note(record, login_as):
    practitioner, client, flag, _note = record
    test_client, _user = login_as(user=practitioner)
    token_from = f"/practice/clients/{client.id}"
    response = post_form(
        test_client,
        f"/practice/flags/{flag.id}/acknowledge",
        {f"flag-{flag.id}-note": "   "},
        token_from=token_from,
    )
    assert response.status_code == 422
    assert "Write what was done" in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(Flag, flag.id)
    assert stored.acknowledged_at is None and stored.acknowledgement_note is None
    assert not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "flag_acknowledged")
    ).all()


def test_acknowledging_closes_the_flag_for_the_dashboard_but_keeps_it(record, login_as):
    practitioner, client, flag, _note = record
    test_client, _user = login_as(user=practitioner)
    assert "badge medium" in test_client.get("/practice/").get_data(as_text=True)
    response = post_form(
        test_client,
        f"/practice/flags/{flag.id}/acknowledge",
        {f"flag-{flag.id}-note": "Called her; she sees the GP tomorrow."},
        token_from=f"/practice/clients/{client.id}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/practice/clients/{client.id}#main")
    db.session.expire_all()
    stored = db.session.get(Flag, flag.id)
    assert stored.acknowledged_at is not None
    assert stored.acknowledged_by_id == practitioner.id
    assert stored.acknowledgement_note == "Called her; she sees the GP tomorrow."
    audit_row = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "flag_acknowledged")
    )
    assert audit_row.client_id == client.id and "GP" not in (audit_row.detail or "")
    dashboard = test_client.get("/practice/").get_data(as_text=True)
    assert "badge medium" not in dashboard
    page = test_client.get(f"/practice/clients/{client.id}").get_data(as_text=True)
    assert "she sees the GP tomorrow" in page and "No open flags." in page
    # A second acknowledgement changes nothing.
    post_form(
        test_client,
        f"/practice/flags/{flag.id}/acknowledge",
        {f"flag-{flag.id}-note": "Again"},
        token_from=f"/practice/clients/{client.id}",
    )
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).acknowledgement_note.startswith("Called her")


# Notes.


def test_notes_are_written_changed_with_history_and_withdrawn(record, login_as):
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    response = post_form(
        test_client,
        f"{page}/notes",
        {"body": "Try the 4-7-8 breathing", "shared": "y"},
        token_from=page,
    )
    assert response.status_code == 302
    note = db.session.scalar(sa.select(Note).where(Note.body == "Try the 4-7-8 breathing"))
    assert note.shared and note.author_id == practitioner.id

    edit = f"{page}/notes/{note.id}/edit"
    assert "Try the 4-7-8 breathing" in test_client.get(edit).get_data(as_text=True)
    response = post_form(
        test_client, edit, {"body": "Try 4-7-8 breathing twice a day"}, token_from=edit
    )
    assert response.status_code == 302
    db.session.expire_all()
    note = db.session.get(Note, note.id)
    assert note.body == "Try 4-7-8 breathing twice a day" and not note.shared
    revisions = db.session.scalars(
        sa.select(NoteRevision).where(NoteRevision.note_id == note.id)
    ).all()
    assert [(r.body, r.shared, r.edited_by_id) for r in revisions] == [
        ("Try the 4-7-8 breathing", True, practitioner.id)
    ]

    response = post_form(test_client, edit, {"body": ""}, token_from=edit)
    assert response.status_code == 422
    response = post_form(
        test_client,
        f"{page}/notes/{note.id}/withdraw",
        {f"note-{note.id}-reason": ""},
        token_from=page,
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Note, note.id).withdrawn_at is None

    response = post_form(
        test_client,
        f"{page}/notes/{note.id}/withdraw",
        {f"note-{note.id}-reason": "Meant for another client"},
        token_from=page,
    )
    assert response.status_code == 302
    db.session.expire_all()
    note = db.session.get(Note, note.id)
    assert note.withdrawn_at is not None and note.withdrawn_reason == "Meant for another client"
    html = test_client.get(page).get_data(as_text=True)
    assert "Meant for another client" in html and "Try 4-7-8 breathing twice a day" in html
    # A withdrawn note is not changed any more.
    post_form(test_client, edit, {"body": "Sneaky"}, token_from=page)
    db.session.expire_all()
    assert db.session.get(Note, note.id).body == "Try 4-7-8 breathing twice a day"
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("note_%"))
    ).all()
    assert sorted(actions) == ["note_created", "note_edited", "note_withdrawn"]


def test_an_empty_note_is_refused(record, login_as):
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    response = post_form(
        test_client, f"{page}/notes", {"body": "  ", "shared": "y"}, token_from=page
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Note.id))) == 1


def test_only_the_author_changes_a_note(record, login_as, make):
    practitioner, client, _flag, note = record
    colleague = make.practitioner()
    client.profile.practitioner_id = colleague.id  # the client moved to a colleague
    db.session.commit()
    test_client, _user = login_as(user=colleague)
    page = f"/practice/clients/{client.id}"
    assert "First words" in test_client.get(page).get_data(as_text=True)
    assert test_client.get(f"{page}/notes/{note.id}/edit").status_code == 403
    response = post_form(
        test_client,
        f"{page}/notes/{note.id}/withdraw",
        {f"note-{note.id}-reason": "No"},
        token_from=page,
    )
    assert response.status_code == 403


def test_a_note_of_another_client_is_not_found(record, login_as):
    practitioner, _client, _flag, note = record
    other = make_other = quick_client(practitioner, "Other Mother")
    assert make_other
    test_client, _user = login_as(user=practitioner)
    assert test_client.get(f"/practice/clients/{other.id}/notes/{note.id}/edit").status_code == 404


# The phone consult.


def checkin_form(day, **values):
    data = {"day": day.isoformat(), "mood": "3"}
    data.update({key: str(value) for key, value in values.items()})
    return data


def test_phone_consult_records_a_check_in_marked_as_entered_by_her(record, login_as):
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    yesterday = TODAY - timedelta(days=1)
    response = post_drawn_form(
        test_client,
        f"{page}/checkins",
        checkin_form(
            yesterday,
            mood=2,
            sleep_hours="5.75",
            night_wakings=3,
            activities="hug",
            note="Said over the phone",
        ),
        form_page=page,
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    checkin = db.session.scalar(sa.select(CheckIn))
    assert (checkin.day, checkin.mood, checkin.sleep_hours, checkin.night_wakings) == (
        yesterday,
        2,
        5.75,
        3,
    )
    assert checkin.activities == ["hug"] and checkin.entered_by_id == practitioner.id
    event_row = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "checkin_entered_for_client")
    )
    assert event_row.client_id == client.id and event_row.on_behalf_of_id == client.id
    assert "recorded by practitioner" in test_client.get(page).get_data(as_text=True)


def test_phone_consult_updates_the_day_she_already_logged(record, login_as):
    practitioner, client, _flag, _note = record
    own = add_checkin(client, 0, mood=4, sleep_hours=7, bonding=5, note="Her own words")
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    response = post_drawn_form(
        test_client, f"{page}/checkins", checkin_form(TODAY, mood=2, tension=5), form_page=page
    )
    assert response.status_code == 303
    db.session.expire_all()
    rows = db.session.scalars(sa.select(CheckIn)).all()
    assert [row.id for row in rows] == [own.id]
    row = rows[0]
    assert (row.mood, row.tension, row.sleep_hours, row.bonding, row.note) == (
        2,
        5,
        7,
        5,
        "Her own words",
    )
    assert row.entered_by_id == practitioner.id


def test_phone_consult_upsert_survives_a_concurrent_insert(record, app):
    """The day appears between our look-up and our insert: we update the row that won."""
    practitioner, client, _flag, _note = record
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a second connection writing")
    other_engine = sa.create_engine(db.engine.url)
    inserted = []

    def insert_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO checkins") and not inserted:
            inserted.append(True)
            with other_engine.begin() as other:
                other.execute(
                    sa.insert(CheckIn).values(
                        client_id=client.id,
                        day=TODAY,
                        mood=5,
                        activities=[],
                        sleep_hours=8,
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )

    event.listen(db.engine, "before_cursor_execute", insert_first)
    try:
        consult.record_checkin_for_client(client, practitioner, {"day": TODAY, "mood": 1})
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", insert_first)
        other_engine.dispose()
    rows = db.session.scalars(sa.select(CheckIn)).all()
    assert len(rows) == 1 and inserted
    assert (rows[0].mood, rows[0].sleep_hours, rows[0].entered_by_id) == (1, 8, practitioner.id)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"mood": "7"}, "Not a valid choice"),
        ({"mood": ""}, "Choose the mood from 1 to 5."),
        ({"tension": "0"}, "Not a valid choice"),
        ({"sleep_hours": "17"}, "Enter hours from 0 to 16."),
        ({"sleep_hours": "5.3"}, "quarter hours"),
        ({"sleep_hours": "nan"}, "Enter hours from 0 to 16."),
        ({"night_wakings": "21"}, "Enter a number from 0 to 20."),
        ({"skin_to_skin_minutes": "-1"}, "from 0 to 600"),
        ({"activities": "flying"}, "is not a valid choice"),
        ({"note": "x" * 2001}, "under 2000 characters"),
        ({"day": "tomorrow"}, "yyyy-mm-dd"),
        ({"day": (TODAY + timedelta(days=1)).isoformat()}, "has not happened yet"),
        ({"day": (TODAY - timedelta(days=8)).isoformat()}, "up to 7 days back"),
    ],
)
def test_phone_consult_refuses_bad_input_and_stores_nothing(record, login_as, values, message):
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    data = checkin_form(TODAY)
    data.update(values)
    response = post_drawn_form(test_client, f"{page}/checkins", data, form_page=page)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0
    assert not db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "checkin_entered_for_client")
    ).all()


def test_phone_consult_accepts_seven_days_back(record, login_as):
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    day = TODAY - timedelta(days=7)
    response = post_drawn_form(test_client, f"{page}/checkins", checkin_form(day), form_page=page)
    assert response.status_code == 303
    assert db.session.scalar(sa.select(CheckIn.day)) == day


def test_phone_consult_respects_paused_collection(record, login_as):
    practitioner, client, _flag, _note = record
    client.profile.collection_paused = True
    db.session.commit()
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    response = post_drawn_form(test_client, f"{page}/checkins", checkin_form(TODAY), form_page=page)
    assert response.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0


# A client's own access log, as the privacy pages show it.


def test_access_log_for_client_says_who_looked_in_plain_words(app, record, login_as):
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    test_client.get(f"/practice/clients/{client.id}")
    own_client, _mother = login_as(user=client)
    own_client.get("/")  # her own actions are not "someone looked"
    with app.test_request_context(headers={"Cookie": "portal_locale=en"}):
        entries = access_log_for_client(client)
    assert [(entry.who, entry.role, entry.what) for entry in entries] == [
        ("Petra Practitioner", "Practitioner", "Looked at the client record")
    ]
    assert entries[0].at.tzinfo is not None


@pytest.mark.parametrize(
    "query",
    [
        "?page=99999999999999999999",
        "?page=0",
        "?q=%25_%5C",
        "?q=%F0%9F%92%94",
        "?days=-1",
        "?days=90&days=30",
        "?delivery_type=&flagged=on&silent=on&page=2",
        "?q=%00",
    ],
)
def test_odd_query_strings_never_fail(record, login_as, query):
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    for path in ("/practice/", f"/practice/clients/{client.id}"):
        assert test_client.get(path + query).status_code in (200, 400), path + query


def test_client_page_charts_are_described_in_words_and_drawn_as_images(practitioner_client):
    test_client, practitioner = practitioner_client
    anna = quick_client(practitioner, "Anna")
    for days_ago, mood in ((3, 2), (2, 3), (1, 4)):
        add_checkin(anna, days_ago, mood=mood, sleep_hours=6, bonding=4)
    html = test_client.get(f"/practice/clients/{anna.id}").get_data(as_text=True)
    sources = re.findall(r'<img src="(/practice/clients/[^"]+/charts/[^"]+)" alt="([^"]+)"', html)
    assert [alt.split(":")[0] for _src, alt in sources] == [
        "Mood, tension, energy and bonding (1 to 5)",
        "Hours of sleep",
    ]
    assert "Mood rose from 2.0 to 4.0" in sources[0][1]
    drawing = test_client.get(sources[0][0].replace("&amp;", "&"))
    assert drawing.status_code == 200 and drawing.mimetype == "image/svg+xml"
    assert (
        test_client.get(f"/practice/clients/{anna.id}/charts/scales.svg?days=7").status_code == 404
    )
    assert test_client.get(f"/practice/clients/{anna.id}/charts/weight.svg").status_code == 404


# A later, softer score is shown beside an open questionnaire flag, never closes it.


def _short_date(moment: datetime) -> str:
    """Return a moment's local date as the pages write it ("4 Dec")."""
    day = moment.astimezone(ZoneInfo("Europe/Amsterdam")).date()
    return f"{day.day} {day:%b}"


def test_a_later_lower_score_is_shown_beside_the_open_flag(practitioner_client):
    test_client, practitioner = practitioner_client
    anna = quick_client(practitioner, "Anna")
    high = add_epds(anna, 14, days_ago=3)
    later = add_epds(anna, 6, days_ago=1)
    add_flag(
        anna,
        "epds_high",
        "high",
        72,
        evidence={
            "response_id": high.id,
            "total": 14,
            "submitted_on": high.submitted_at.date().isoformat(),
        },
    )
    since = f"since then: EPDS 6 on {_short_date(later.submitted_at)}"
    dashboard = test_client.get("/practice/").get_data(as_text=True)
    assert since in dashboard
    page = test_client.get(f"/practice/clients/{anna.id}").get_data(as_text=True)
    assert since in page


def test_no_context_when_the_flag_shows_the_latest_score(practitioner_client):
    test_client, practitioner = practitioner_client
    anna = quick_client(practitioner, "Anna")
    add_epds(anna, 6, days_ago=5)
    high = add_epds(anna, 14, days_ago=1)
    add_flag(
        anna,
        "epds_high",
        "high",
        24,
        evidence={"response_id": high.id, "total": 14, "submitted_on": TODAY.isoformat()},
    )
    assert "since then" not in test_client.get("/practice/").get_data(as_text=True)
    page = test_client.get(f"/practice/clients/{anna.id}").get_data(as_text=True)
    assert "since then" not in page


def test_every_evidence_sentence_names_its_dates(practitioner_client):
    test_client, practitioner = practitioner_client
    anna = quick_client(practitioner, "Anna")
    days = [TODAY - timedelta(days=d) for d in (6, 3, 0)]
    add_flag(
        anna,
        "low_mood",
        "medium",
        5,
        evidence={
            "low_days": 3,
            "logged_days": 4,
            "calendar_days": 7,
            "days": [day.isoformat() for day in days],
            "moods": [2, 2, 1],
        },
    )
    add_flag(
        anna,
        "bonding",
        "medium",
        5,
        evidence={
            "low_days": 3,
            "logged_days": 6,
            "calendar_days": 14,
            "days": [day.isoformat() for day in days],
            "bondings": [2, 2, 2],
        },
    )
    add_flag(
        anna,
        "worsening",
        "low",
        5,
        evidence={
            "recent_mean": 3.0,
            "previous_mean": 4.33,
            "drop": 1.33,
            "recent_days": 7,
            "previous_days": 3,
            "from": (TODAY - timedelta(days=13)).isoformat(),
            "to": TODAY.isoformat(),
        },
    )
    html = test_client.get(f"/practice/clients/{anna.id}").get_data(as_text=True)
    listed = ", ".join(f"{day.day} {day:%b}" for day in days)

    def short(days_ago: int) -> str:
        day = TODAY - timedelta(days=days_ago)
        return f"{day.day} {day:%b}"

    assert (
        f"Mood 2 or lower on 3 of the last 4 logged days within 7 days: {listed}." in html
    )
    assert f"Bonding 2 or lower on 3 of the last 6 logged days: {listed}." in html
    assert (
        f"Mean mood fell from 4.3 ({short(13)} to {short(7)}) to 3.0 ({short(6)} to {short(0)})."
        in html
    )


# A phone-consult check-in does not silently close flags.


@pytest.fixture
def silent_sophie(make):
    """Sophie, silent for six days, with her open silent flag; her practitioner reads English."""
    from portal import flag_service

    practitioner = english(make.practitioner(name="Petra Practitioner"))
    sophie = make.client(practitioner=practitioner, name="Sophie de Groot")
    add_checkin(sophie, 6, mood=3)
    flag_service.evaluate_client(sophie)
    db.session.commit()
    flag = db.session.scalar(sa.select(Flag).where(Flag.rule == "silent"))
    assert flag is not None and flag.is_open
    return practitioner, sophie, flag


def test_a_phone_consult_check_in_leaves_the_silent_flag_open(silent_sophie, login_as):
    practitioner, sophie, flag = silent_sophie
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{sophie.id}"
    response = post_drawn_form(
        test_client, f"{page}/checkins", checkin_form(TODAY, mood=4), form_page=page
    )
    assert response.status_code == 303
    db.session.expire_all()
    flag = db.session.get(Flag, flag.id)
    assert flag.is_open
    followed = test_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "stays open until she checks in herself" in followed
    assert f"A practitioner entered {TODAY:%b} {TODAY.day}, {TODAY.year} during a phone" in followed
    # The dashboard says who entered today's check-in.
    dashboard = test_client.get("/practice/").get_data(as_text=True)
    row = dashboard.split("Sophie de Groot", 1)[1].split("</tr>", 1)[0]
    assert "Today" in row and "entered by practitioner" in row


def test_a_phone_consult_closes_the_silent_flag_with_an_acknowledgement_note(
    silent_sophie, login_as
):
    practitioner, sophie, flag = silent_sophie
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{sophie.id}"
    form_page = test_client.get(page).get_data(as_text=True)
    assert 'name="silent_note"' in form_page
    data = checkin_form(TODAY, mood=4)
    data["silent_note"] = "Phoned her: the app was not working on her new phone."
    response = post_drawn_form(test_client, f"{page}/checkins", data, form_page=page)
    assert response.status_code == 303
    db.session.expire_all()
    flag = db.session.get(Flag, flag.id)
    assert not flag.is_open and flag.acknowledged_by_id == practitioner.id
    assert flag.acknowledgement_note == "Phoned her: the app was not working on her new phone."


def test_her_values_are_kept_when_a_phone_consult_changes_them(record, login_as):
    from portal.models import CheckInRevision

    practitioner, client, _flag, _note = record
    own = add_checkin(client, 0, mood=4, sleep_hours=7, bonding=5, note="Her own words")
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    post_drawn_form(test_client, f"{page}/checkins", checkin_form(TODAY, mood=2), form_page=page)
    [revision] = db.session.scalars(sa.select(CheckInRevision)).all()
    assert revision.checkin_id == own.id and revision.entered_by_id is None
    assert (revision.mood, revision.sleep_hours, revision.bonding, revision.note) == (
        4,
        7,
        5,
        "Her own words",
    )
    assert revision.replaced_by_id == practitioner.id
    html = test_client.get(page).get_data(as_text=True)
    assert "Her own values before the phone consult" in html
    # A day she never logged herself keeps no revision.
    yesterday = TODAY - timedelta(days=1)
    post_drawn_form(test_client, f"{page}/checkins", checkin_form(yesterday), form_page=page)
    assert db.session.scalar(sa.select(sa.func.count(CheckInRevision.id))) == 1


def test_her_own_history_marks_the_days_her_practitioner_entered(record, login_as):
    practitioner, client, _flag, _note = record
    english(client)
    add_checkin(client, 1, mood=3, entered_by_id=practitioner.id)
    add_checkin(client, 2, mood=4)
    test_client, _user = login_as(user=client)
    html = test_client.get("/me/history").get_data(as_text=True)
    assert html.count("entered by your practitioner") == 1


# Scores answered on placeholder or unvalidated wording are marked.


def test_scores_on_placeholder_or_unvalidated_wording_are_marked(practitioner_client):
    test_client, practitioner = practitioner_client
    anna = quick_client(practitioner, "Anna")
    placeholder = add_epds(anna, 6, days_ago=2)
    placeholder.wording, placeholder.wording_locale = "placeholder", "nl"
    placeholder.wording_validated = False
    validated = add_epds(anna, 5, days_ago=1)
    validated.wording, validated.wording_locale, validated.wording_validated = (
        "licensed",
        "nl",
        True,
    )
    db.session.commit()
    page = test_client.get(f"/practice/clients/{anna.id}").get_data(as_text=True)
    assert page.count("placeholder wording") == 1
    dashboard = test_client.get("/practice/").get_data(as_text=True)
    assert "placeholder wording" not in dashboard  # the latest was on validated wording
    validated.wording_validated = False
    db.session.commit()
    dashboard = test_client.get("/practice/").get_data(as_text=True)
    assert "unvalidated wording" in dashboard


def test_the_client_number_of_an_urgent_mail_finds_her(practitioner_client):
    test_client, practitioner = practitioner_client
    anna = quick_client(practitioner, "Anna Mine")
    quick_client(practitioner, "Bea Other")
    html = test_client.get(f"/practice/?q={anna.id}").get_data(as_text=True)
    assert client_links(html) == ["Anna Mine"]
    page = test_client.get(f"/practice/clients/{anna.id}").get_data(as_text=True)
    assert f"client {anna.id}" in page
    assert test_client.get("/practice/?q=99999999999999999999").status_code == 200
