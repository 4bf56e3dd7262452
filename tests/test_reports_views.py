"""The progress page and the PDF downloads: who may download what, bad periods, the access log."""

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template

from portal.checkins.services import save_checkin
from portal.extensions import db
from portal.models import AuditEvent
from portal.reports.summary import summary_for_header
from tests.conftest import login
from tests.test_reports_factory import add_checkin, add_note, fill_client


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def family(make):
    """A practitioner with a client, and others who must not see her summary."""
    practitioner = make.practitioner(name="Marieke van Dijk")
    mother = make.client(practitioner=practitioner, name="Zoë Ünal-de Vries")
    add_checkin(mother, mother_today(mother), mood=4, sleep_hours=7)
    db.session.commit()
    return {
        "practitioner": practitioner,
        "mother": mother,
        "other_practitioner": make.practitioner(),
        "other_client": make.client(practitioner=practitioner),
        "admin": make.admin(),
    }


def mother_today(client):
    from portal.dates import local_today

    return local_today(client.timezone)


def signed_in(app, user, locale="en"):
    user.locale = locale
    db.session.commit()
    test_client = app.test_client()
    login(test_client, user)
    return test_client


def test_the_client_sees_her_progress_page(app, family):
    mother = family["mother"]
    add_note(mother, family["practitioner"], "Lovely <em>progress</em>", mother_today(mother), True)
    db.session.commit()
    response = signed_in(app, mother).get("/reports/me")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "My progress" in page and "Last 30 days" in page
    assert 'data-average="mood"' in page
    assert "Lovely &lt;em&gt;progress&lt;/em&gt;" in page
    assert "/reports/me.pdf?days=30" in page
    assert response.headers["Cache-Control"] == "no-store"
    viewed = events("progress_viewed")
    assert [(e.client_id, e.actor_id) for e in viewed] == [(mother.id, mother.id)]


def test_the_page_draws_charts_from_two_logged_days(app, family):
    mother = family["mother"]
    add_checkin(mother, mother_today(mother) - timedelta(days=1), mood=3, sleep_hours=6)
    db.session.commit()
    browser = signed_in(app, mother)
    page = browser.get("/reports/me?days=7").get_data(as_text=True)
    # The words come with the page; each picture has its own address, fetched after the page.
    sources = re.findall(r'<img src="(/reports/me/charts/days-\d\.svg\?days=7)" alt="[^"]+"'
                         r' width="400" height="260" loading="lazy" decoding="async">', page)
    assert sources == [f"/reports/me/charts/days-{number}.svg?days=7" for number in (1, 2)]
    assert 'alt="Mood, tension, energy and bonding (1 to 5): Mood' in page
    for source in sources:
        chart = browser.get(source)
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
        assert chart.headers["Cache-Control"] == "no-store"
        assert chart.get_data(as_text=True).startswith("<svg")
    assert "Sleep (hours per night)" in browser.get(sources[1]).get_data(as_text=True)


def test_a_chart_is_drawn_afresh_after_a_save_and_only_for_her(app, family, make):
    mother = family["mother"]
    add_checkin(mother, mother_today(mother) - timedelta(days=1), mood=3, sleep_hours=6)
    db.session.commit()
    browser = signed_in(app, mother)
    browser.get("/reports/me?days=7")
    save_checkin(mother, mother_today(mother), {"mood": 5, "sleep_hours": 11})  # forgets the kept
    db.session.commit()
    sleep = browser.get("/reports/me/charts/days-2.svg?days=7").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", sleep).group(1)
    assert "11.0" in title and "7.0" not in title, title
    # Her practitioner and a stranger get nothing from her address: it always means "mine".
    assert signed_in(app, family["practitioner"]).get(
        "/reports/me/charts/days-1.svg?days=7").status_code in (403, 404)
    assert app.test_client().get("/reports/me/charts/days-1.svg?days=7").status_code == 302


@pytest.mark.parametrize("path", [
    "/reports/me/charts/days-0.svg?days=7", "/reports/me/charts/days-3.svg?days=7",
    "/reports/me/charts/pie-1.svg?days=7", "/reports/me/charts/days-1.svg?days=abc",
    "/reports/me/charts/days-1.svg?start=2026-13-01&end=x", "/reports/me/charts/insights-1.svg",
    "/reports/me/charts/days-99999999999999999999.svg",
])
def test_an_address_that_names_no_chart_is_not_found(app, family, path):
    mother = family["mother"]
    add_checkin(mother, mother_today(mother) - timedelta(days=1), mood=3, sleep_hours=6)
    db.session.commit()
    assert signed_in(app, mother).get(path).status_code == 404


def test_a_chosen_range_is_kept_in_the_download_link(app, family):
    today = mother_today(family["mother"])
    start, end = today - timedelta(days=40), today - timedelta(days=10)
    page = signed_in(app, family["mother"]).get(f"/reports/me?start={start}&end={end}")
    assert page.status_code == 200
    assert f"/reports/me.pdf?start={start}&amp;end={end}" in page.get_data(as_text=True)


def test_the_client_downloads_her_own_pdf(app, family):
    mother = family["mother"]
    response = signed_in(app, mother).get("/reports/me.pdf?days=7")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Cache-Control"] == "no-store"
    today = mother_today(mother)
    disposition = response.headers["Content-Disposition"]
    disposition.encode("ascii")  # raises if not plain ASCII
    assert disposition == (
        f"attachment; filename=progress-zoe-unal-de-vries-{today - timedelta(days=6)}-{today}.pdf"
    )
    downloaded = events("summary_downloaded")
    assert len(downloaded) == 1
    assert (downloaded[0].client_id, downloaded[0].actor_id) == (mother.id, mother.id)
    assert "client version" in downloaded[0].detail


def test_the_dutch_file_name_says_voortgang(app, family):
    response = signed_in(app, family["mother"], locale="nl").get("/reports/me.pdf")
    assert response.status_code == 200
    assert "filename=voortgang-zoe-unal-de-vries-" in response.headers["Content-Disposition"]


def test_the_practitioner_downloads_her_clients_pdf(app, family):
    mother, practitioner = family["mother"], family["practitioner"]
    response = signed_in(app, practitioner).get(f"/reports/clients/{mother.id}.pdf?days=90")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Cache-Control"] == "no-store"
    assert "filename=progress-zoe-unal-de-vries-" in response.headers["Content-Disposition"]
    downloaded = events("summary_downloaded")
    assert [(e.client_id, e.actor_id) for e in downloaded] == [(mother.id, practitioner.id)]
    assert "practitioner version" in downloaded[0].detail


@pytest.mark.parametrize("who", ["other_practitioner", "admin", "other_client", "mother"])
def test_nobody_else_gets_the_practitioners_version(app, family, who):
    mother = family["mother"]
    response = signed_in(app, family[who]).get(f"/reports/clients/{mother.id}.pdf")
    assert response.status_code == 404
    assert events("summary_downloaded") == []
    assert events("authorisation_denied")


def test_an_unknown_client_is_404_for_a_practitioner(app, family):
    response = signed_in(app, family["practitioner"]).get("/reports/clients/9999.pdf")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/reports/me", "/reports/me.pdf", "/reports/clients/1.pdf"])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("who", ["practitioner", "admin"])
@pytest.mark.parametrize("path", ["/reports/me", "/reports/me.pdf"])
def test_the_own_progress_pages_are_for_clients(app, family, who, path):
    assert signed_in(app, family[who]).get(path).status_code == 403


def bad_periods(today):
    return [
        "days=45",
        "days=abc",
        "days=",
        f"start={today}",
        f"end={today}",
        f"start={today}&end={today - timedelta(days=1)}",
        f"start={today - timedelta(days=366)}&end={today}",
        f"start={today}&end={today + timedelta(days=1)}",
        "start=2026-13-40&end=2026-01-01",
        "start=yesterday&end=today",
    ]


def test_bad_periods_get_a_message_and_422(app, family):
    mother = family["mother"]
    test_client = signed_in(app, mother)
    for query in bad_periods(mother_today(mother)):
        page = test_client.get(f"/reports/me?{query}")
        assert page.status_code == 422, query
        assert 'class="field-error"' in page.get_data(as_text=True), query
        assert test_client.get(f"/reports/me.pdf?{query}").status_code == 422, query
    assert events("summary_downloaded") == [] and events("progress_viewed") == []


def test_the_messages_say_what_is_wrong(app, family):
    mother = family["mother"]
    today = mother_today(mother)
    test_client = signed_in(app, mother)
    cases = {
        "days=45": "Choose 7, 30 or 90 days.",
        f"start={today}&end={today - timedelta(days=1)}": "The start date must be on or before",
        f"start={today - timedelta(days=366)}&end={today}": "at most 366 days",
        f"start={today}&end={today + timedelta(days=1)}": "cannot be in the future",
        f"start={today}": "Choose an end date as well.",
    }
    for query, message in cases.items():
        assert message in test_client.get(f"/reports/me?{query}").get_data(as_text=True)


def test_a_year_ending_today_is_allowed(app, family):
    today = mother_today(family["mother"])
    query = f"start={today - timedelta(days=365)}&end={today}"
    assert signed_in(app, family["mother"]).get(f"/reports/me?{query}").status_code == 200


def test_bad_periods_on_the_practitioners_download_are_422(app, family):
    mother = family["mother"]
    test_client = signed_in(app, family["practitioner"])
    for query in bad_periods(mother_today(mother)):
        response = test_client.get(f"/reports/clients/{mother.id}.pdf?{query}")
        assert response.status_code == 422, query
        assert "Choose another period" in response.get_data(as_text=True)
    assert events("summary_downloaded") == []


def test_the_header_partial_for_the_practitioners_client_page(app, make):
    full = fill_client(make, days=30)
    with app.test_request_context():
        summary = summary_for_header(full.client)
        markup = render_template("reports/_summary_header.html", summary=summary)
    assert f"/reports/clients/{full.client.id}.pdf?days=30" in markup
    for average in summary.averages:
        assert f'data-average="{average.key}"' in markup
        assert average.value_text in markup


def test_simultaneous_downloads_all_succeed_and_are_logged(app, family):
    # Each request reads, waits its turn for layout, then logs: on SQLite a read transaction
    # upgraded to a write after another download committed would fail with "locked".
    mother = family["mother"]
    clients = [signed_in(app, mother) for _ in range(4)]
    statuses = []

    def download(test_client):
        statuses.append(test_client.get("/reports/me.pdf?days=7").status_code)

    threads = [threading.Thread(target=download, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert len(events("summary_downloaded")) == 4
