"""The 8 a.m. round: sortable columns that keep the filters, search by number, and a dashboard
view in the access log with the clients it showed."""

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent
from tests.test_practice import TODAY, add_epds, client_links, english, quick_client


def test_columns_sort_on_the_server_and_keep_the_filters(login_as):
    test_client, practitioner = login_as("practitioner")
    english(practitioner)
    old = quick_client(practitioner, "Anna Old", delivery_date=TODAY - timedelta(weeks=20))
    young = quick_client(practitioner, "Bea Young", delivery_date=TODAY - timedelta(weeks=2))
    quick_client(practitioner, "Cor Middle", delivery_date=TODAY - timedelta(weeks=9))
    add_epds(old, 5)
    add_epds(young, 15)
    html = test_client.get("/practice/?q=a&sort=weeks").get_data(as_text=True)
    assert client_links(html) == ["Bea Young", "Anna Old"]  # "Cor Middle" has no "a"
    html = test_client.get("/practice/?sort=weeks&dir=desc").get_data(as_text=True)
    assert client_links(html) == ["Anna Old", "Cor Middle", "Bea Young"]
    html = test_client.get("/practice/?sort=epds&dir=desc").get_data(as_text=True)
    assert client_links(html) == ["Bea Young", "Anna Old", "Cor Middle"]  # no score: last
    url = "/practice/?sort=name&delivery_type=induced_oxytocin&q=o"
    html = test_client.get(url).get_data(as_text=True)
    # Each header links to its sort with the filters kept; the current one flips direction.
    links = re.findall(r'href="(/practice/\?[^"]*)" class="sort', html)
    assert links and all("q=o" in link and "delivery_type=induced" in link for link in links)
    assert any("sort=name" in link and "dir=desc" in link for link in links)
    assert 'aria-sort="ascending"' in html
    # Nonsense sorts fall back to the reading order, never an error.
    assert test_client.get("/practice/?sort=evil&dir=sideways").status_code == 200


def test_search_finds_a_client_by_her_number(login_as):
    test_client, practitioner = login_as("practitioner")
    english(practitioner)
    anna = quick_client(practitioner, "Anna Number")
    quick_client(practitioner, "Bea Other")
    html = test_client.get(f"/practice/?q={anna.id}").get_data(as_text=True)
    assert client_links(html) == ["Anna Number"]


def test_a_dashboard_view_is_logged_with_the_clients_it_showed(login_as):
    test_client, practitioner = login_as("practitioner")
    anna = quick_client(practitioner, "Anna Shown")
    bea = quick_client(practitioner, "Bea Shown")
    assert test_client.get("/practice/").status_code == 200
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "dashboard_viewed")
    ).all()
    assert event.actor_id == practitioner.id
    shown = {int(number) for number in re.findall(r"\d+", event.detail)}
    assert shown == {anna.id, bea.id}


def test_the_message_badge_never_counts_an_answered_message(login_as):
    from portal.messages import services as messages

    test_client, practitioner = login_as("practitioner")
    english(practitioner)
    anna = quick_client(practitioner, "Anna Asked")
    thread = messages.thread_between(anna, practitioner, create=True)
    messages.send_message(thread, anna, "Is this normal?")
    db.session.commit()
    assert 'class="badge unread"' in test_client.get("/practice/").get_data(as_text=True)
    # Answered (here without opening her page first): nothing waits, and no badge says so.
    messages.send_message(thread, practitioner, "Yes. Let us talk tomorrow.")
    db.session.commit()
    html = test_client.get("/practice/").get_data(as_text=True)
    assert "No message waits for an answer." in html
    assert 'class="badge unread"' not in html
