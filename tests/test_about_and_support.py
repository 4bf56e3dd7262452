"""What the portal says about itself and around a hard moment: the about page, the safety page,
the saved page after a low day, and the numbers in her summary."""

import re
from datetime import timedelta

import pytest

from portal.checkins.services import save_checkin
from portal.dates import local_today
from portal.extensions import db
from tests.conftest import post_drawn_form
from tests.test_questionnaires import answers_for
from tests.test_reports_factory import add_checkin, add_response

# --- About this portal (intended purpose). --------------------------------------------------


def test_about_page_states_the_intended_purpose_in_english(client):
    client.set_cookie("portal_locale", "en")
    response = client.get("/about")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    for words in ("diary and communication tool", "published scoring",
                  "does not screen, diagnose or predict risk",
                  "reminders that the practice has set to look at the data"):
        assert words in page


def test_about_page_renders_in_dutch(client):
    client.set_cookie("portal_locale", "nl")
    response = client.get("/about")
    assert response.status_code == 200
    assert '<html lang="nl">' in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [None, "client", "practitioner", "admin"])
def test_every_page_footer_links_to_the_about_page(app, login_as, role):
    if role is None:
        test_client = app.test_client()
    else:
        test_client, _user = login_as(role)
    page = test_client.get("/help").get_data(as_text=True)
    footer = page[page.index('<footer'):]
    assert 'href="/about"' in footer


# --- The safety page promises only what will happen. ----------------------------------------


@pytest.fixture
def mother(login_as, make):
    client = make.client(practitioner=make.practitioner())
    client.locale = "en"
    db.session.commit()
    return login_as("client", user=client)


def test_the_safety_page_says_the_practitioner_will_look_not_call(mother):
    test_client, _client = mother
    response = post_drawn_form(
        test_client, "/questionnaires/epds", answers_for("epds", [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "will look at it as soon as possible" in page
    assert "will contact you" not in page


# --- The saved page after a low day. --------------------------------------------------------


def saved_page(test_client, client, mood: int) -> str:
    day = local_today(client.timezone)
    save_checkin(client, day, {"mood": mood})
    db.session.commit()
    return test_client.get(f"/me/saved/{day.isoformat()}").get_data(as_text=True)


@pytest.mark.parametrize("mood", [1, 2])
def test_after_a_low_day_the_saved_page_adds_a_gentle_line_and_the_help_link(mother, mood):
    test_client, client = mother
    page = saved_page(test_client, client, mood)
    assert "Thank you, it is saved" in page
    assert "Today sounds like a hard day" in page
    assert "Well done for taking a moment" not in page
    main = page[page.index('<main'):page.index('</main>')]
    assert 'href="/help"' in main


@pytest.mark.parametrize("mood", [3, 5])
def test_an_ordinary_day_gets_the_ordinary_thanks(mother, mood):
    test_client, client = mother
    page = saved_page(test_client, client, mood)
    assert "Well done for taking a moment for yourself today." in page
    assert "Today sounds like a hard day" not in page


def test_a_low_earlier_day_also_gets_the_gentle_line(mother):
    test_client, client = mother
    yesterday = local_today(client.timezone) - timedelta(days=1)
    save_checkin(client, yesterday, {"mood": 2})
    db.session.commit()
    page = test_client.get(f"/me/saved/{yesterday.isoformat()}").get_data(as_text=True)
    assert "sounds like a hard day" in page


# --- The summary's numbers: 113 for dark thoughts, De Luisterlijn for a talk. ----------------


def test_the_summary_lists_de_luisterlijn_for_a_talk_and_113_for_dark_thoughts(mother):
    test_client, client = mother
    today = local_today(client.timezone)
    add_checkin(client, today, mood=3)
    add_response(client, "epds", [1, 1, 1, 1, 1, 1, 1, 1, 1, 0], today)
    db.session.commit()
    html = test_client.get("/reports/me").get_data(as_text=True)
    # Every number is a link she can tap; the words around them read as before.
    assert '<a href="tel:0880767000" class="tel">088-0767 000</a>' in html
    page = re.sub(r"<[^>]+>", "", html)
    assert "For someone to talk to: De Luisterlijn, 088-0767 000" in page
    assert "For someone to talk to: 113" not in page
    assert "thoughts of harming yourself: 113 Zelfmoordpreventie" in page


def test_the_about_page_says_what_the_portal_calculates_besides_scores(client):
    client.set_cookie("portal_locale", "en")
    page = client.get("/about")
    words = " ".join(page.get_data(as_text=True).split())

    assert page.status_code == 200
    assert "It calculates nothing else about your health." not in words
    assert "a reliable change" in words
    assert "cross a threshold the practice has set" in words
    assert "activities that often went together with your better days" in words
    assert "not what caused it" in words
