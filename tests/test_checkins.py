"""The daily check-in: saving, the once-a-day upsert, backfill limits, bad input, history."""

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.checkins.services import is_conflict, save_checkin, version_of
from portal.dates import local_today
from portal.extensions import db
from portal.models import CheckIn, User
from tests.conftest import drawn_form, post_drawn_form

GOOD = {
    "mood": "4",
    "tension": "2",
    "energy": "3",
    "bonding": "5",
    "sleep_hours": "6.25",
    "night_wakings": "3",
    "sleep_quality": "3",
    "skin_to_skin_minutes": "45",
    "activities": ["hug", "walk_outside"],
    "note": "Lekker gewandeld met de kinderwagen.",
}


@pytest.fixture
def mother(login_as, make):
    client = make.client(practitioner=make.practitioner())
    client.locale = "en"
    db.session.commit()
    test_client, client = login_as("client", user=client)
    return test_client, client


def checkin_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(CheckIn.id)))


def save(test_client, **changes):
    data = {**GOOD, "day": local_today().isoformat(), **changes}
    return post_drawn_form(test_client, "/me/", data)


def test_saving_today_stores_every_field_and_thanks_her(mother):
    test_client, client = mother
    response = save(test_client)
    assert response.status_code == 303
    checkin = db.session.scalar(sa.select(CheckIn))
    assert (checkin.mood, checkin.tension, checkin.energy, checkin.bonding) == (4, 2, 3, 5)
    assert checkin.sleep_hours == 6.25
    assert checkin.activities == ["hug", "walk_outside"]
    assert checkin.day == local_today()
    page = test_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you, it is saved" in page


def test_only_mood_is_required(mother):
    test_client, _client = mother
    response = post_drawn_form(test_client, "/me/", {"day": local_today().isoformat(), "mood": "2"})
    assert response.status_code == 303
    checkin = db.session.scalar(sa.select(CheckIn))
    assert checkin.mood == 2 and checkin.tension is None and checkin.sleep_hours is None


def test_saving_the_same_day_again_updates_it(mother):
    test_client, _client = mother
    save(test_client)
    save(test_client, mood="2", activities=["breathing"], note="")
    assert checkin_count() == 1
    checkin = db.session.scalar(sa.select(CheckIn))
    assert checkin.mood == 2
    assert checkin.activities == ["breathing"]
    assert checkin.note is None


def test_a_day_up_to_seven_days_back_can_be_filled(mother):
    test_client, _client = mother
    week_ago = local_today() - timedelta(days=7)
    assert save(test_client, day=week_ago.isoformat()).status_code == 303
    assert db.session.scalar(sa.select(CheckIn.day)) == week_ago


def test_editing_a_past_day_shows_its_answers(mother):
    test_client, _client = mother
    yesterday = local_today() - timedelta(days=1)
    save(test_client, day=yesterday.isoformat(), note="gisteren was zwaar")
    page = test_client.get(f"/me/?day={yesterday.isoformat()}").get_data(as_text=True)
    assert "gisteren was zwaar" in page
    assert "Change your check-in" in page


def test_streak_counts_consecutive_days(mother):
    test_client, client = mother
    today = local_today()
    for offset in (3, 2, 1):
        save_checkin(client, today - timedelta(days=offset), {"mood": 3})
    db.session.commit()
    response = save(test_client)
    page = test_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 days in a row" in page


BAD_INPUT = [
    ({"mood": ""}, "Please choose how you feel."),
    ({"mood": "6"}, "Not a valid choice"),
    ({"mood": "abc"}, "Not a valid choice"),
    ({"tension": "0"}, "Not a valid choice"),
    ({"sleep_hours": "16.5"}, "Not a valid choice"),
    ({"sleep_hours": "6.1"}, "Not a valid choice"),
    ({"night_wakings": "21"}, "from 0 to 20"),
    ({"night_wakings": "-1"}, "from 0 to 20"),
    ({"night_wakings": "many"}, "Not a valid integer"),
    ({"skin_to_skin_minutes": "601"}, "from 0 to 600"),
    ({"activities": ["hug", "skydiving"]}, "not a valid choice"),
    ({"note": "x" * 2001}, "under 2000 characters"),
    ({"day": "tomorrow"}, "Choose a day from the list"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_input_says_which_field_and_stores_nothing(mother, changes, message):
    test_client, _client = mother
    response = save(test_client, **changes)
    assert response.status_code == 422
    assert message.lower() in response.get_data(as_text=True).lower()
    assert checkin_count() == 0


@pytest.mark.parametrize(
    ("offset", "message"),
    [(-1, "has not happened yet"), (8, "up to 7 days back"), (400, "up to 7 days back")],
)
def test_days_outside_the_window_are_refused(mother, offset, message):
    test_client, _client = mother
    day = local_today() - timedelta(days=offset)
    response = save(test_client, day=day.isoformat())
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert checkin_count() == 0


def test_a_forged_client_id_is_ignored(mother, make):
    test_client, client = mother
    other = make.client()
    save(test_client, client_id=str(other.id))
    assert db.session.scalar(sa.select(CheckIn.client_id)) == client.id


def test_withdrawn_consent_stores_nothing(mother):
    test_client, client = mother
    form = drawn_form(test_client, "/me/")  # still open in another tab
    client.profile.collection_paused = True
    db.session.commit()
    response = test_client.post("/me/", data={**GOOD, "day": local_today().isoformat(), **form})
    assert response.status_code == 303
    assert checkin_count() == 0


@pytest.mark.parametrize("role", ["practitioner", "admin"])
def test_checkin_pages_are_for_clients_only(login_as, role):
    test_client, _user = login_as(role)
    assert test_client.get("/me/").status_code == 403
    assert test_client.get("/me/history").status_code == 403


def test_history_shows_charts_with_text_alternatives(mother):
    test_client, client = mother
    today = local_today()
    for offset, mood in enumerate([2, 2, 3, 4, 4]):
        save_checkin(client, today - timedelta(days=4 - offset), {"mood": mood, "sleep_hours": 6})
    db.session.commit()
    page = test_client.get("/me/history").get_data(as_text=True)
    assert 'alt="Mood (1 to 5): Mood rose from 2.0 to 4.0' in page
    # The first chart is in the page, shown at once; the next one (sleep) has its own address.
    images = re.findall(r"<img [^>]+>", page.split("<h2>")[0])
    assert len(images) == 2
    assert images[0].startswith('<img src="data:image/svg+xml,%3Csvg')
    assert images[1] == (
        '<img src="/me/history/sleep_hours.svg?days=30" alt="Sleep (hours): Sleep stayed around'
        ' 6.0." width="380" height="230" loading="lazy" decoding="async">'
    )
    chart = test_client.get("/me/history/sleep_hours.svg?days=30")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert chart.headers["Cache-Control"] == "no-store"
    assert "<title>Sleep (hours): Sleep stayed around 6.0.</title>" in chart.get_data(as_text=True)
    days = page.split('<ol class="day-list">')[1].split("</ol>")[0]
    assert days.count("<li>") == 5  # one line per day


@pytest.mark.parametrize("path", [
    "/me/history/tension.svg", "/me/history/password_hash.svg", "/me/history/%00.svg",
])
def test_a_history_chart_she_has_no_data_for_is_not_found(mother, path):
    test_client, client = mother
    today = local_today()
    for offset in range(3):
        save_checkin(client, today - timedelta(days=offset), {"mood": 3})
    db.session.commit()
    assert test_client.get(path).status_code in (400, 404)
    assert test_client.get("/me/history/mood.svg").status_code == 200
    # Any other period reads as 30 days, as on the page.
    assert test_client.get("/me/history/mood.svg?days=-1' or 1=1").status_code == 200


def test_history_with_no_data_says_so_instead_of_drawing(mother):
    test_client, _client = mother
    page = test_client.get("/me/history?days=90").get_data(as_text=True)
    assert "not enough check-ins" in page
    assert "<figure" not in page and '<img src="data:' not in page  # no chart drawn


def test_concurrent_saves_of_one_day_never_make_two_rows(app, make):
    client_id = make.client().id
    # The test's own transaction wrote the client: end it, or it holds SQLite's write lock.
    db.session.commit()
    errors = []

    def save_in_thread(mood: int) -> None:
        try:
            with app.app_context():
                save_checkin(db.session.get(User, client_id), local_today(), {"mood": mood})
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    threads = [threading.Thread(target=save_in_thread, args=(n % 5 + 1,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert checkin_count() == 1


def test_the_mood_question_speaks_about_the_chosen_day(mother):
    test_client, _client = mother
    yesterday = local_today() - timedelta(days=1)
    page = test_client.get(f"/me/?day={yesterday.isoformat()}").get_data(as_text=True)
    assert "How was your mood yesterday?" in page
    assert "How is your mood today?" not in page
    assert f'name="day" value="{yesterday.isoformat()}"' in page
    three_back = local_today() - timedelta(days=3)
    page = test_client.get(f"/me/?day={three_back.isoformat()}").get_data(as_text=True)
    assert f"How was your mood on {three_back.strftime('%A')}" in page
    assert "How is your mood today?" in test_client.get("/me/").get_data(as_text=True)


@pytest.mark.parametrize("offset", [8, 400, -1])
def test_a_day_outside_the_window_says_only_the_last_week_can_be_changed(mother, offset):
    test_client, _client = mother
    day = local_today() - timedelta(days=offset)
    page = test_client.get(f"/me/?day={day.isoformat()}").get_data(as_text=True)
    assert "Only today and the last 7 days can be changed" in page
    assert f'name="day" value="{local_today().isoformat()}"' in page
    assert "can be changed" not in test_client.get("/me/").get_data(as_text=True)


def test_the_thank_you_page_of_a_day_never_saved_is_not_shown(mother):
    test_client, _client = mother
    response = test_client.get("/me/saved/2030-01-01")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/me/")
    yesterday = local_today() - timedelta(days=1)
    assert test_client.get(f"/me/saved/{yesterday.isoformat()}").status_code == 302
    save(test_client, day=yesterday.isoformat())
    page = test_client.get(f"/me/saved/{yesterday.isoformat()}").get_data(as_text=True)
    assert "Thank you, it is saved" in page


BASE_RE = re.compile(r'name="base"(?: type="hidden")? value="([^"]*)"')


def test_a_form_drawn_before_newer_answers_is_a_conflict_and_replaces_nothing(mother):
    """Her phone kept a day's answers offline; meanwhile the day was saved elsewhere."""
    test_client, client = mother
    earlier = local_today() - timedelta(days=3)
    page = test_client.get(f"/me/?day={earlier.isoformat()}").get_data(as_text=True)
    kept = {**drawn_form(test_client, f"/me/?day={earlier.isoformat()}"),
            "base": BASE_RE.search(page).group(1), "day": earlier.isoformat(), "mood": "1"}
    save_checkin(client, earlier, {"mood": 4, "note": "op de andere telefoon"})
    db.session.commit()
    response = test_client.post("/me/", data=kept)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Other answers for this day were saved" in text
    db.session.expire_all()
    assert db.session.scalar(sa.select(CheckIn.mood)) == 4
    # Sent again from the page that showed the conflict, her answers are her choice.
    kept["base"] = BASE_RE.search(text).group(1)
    assert test_client.post("/me/", data=kept).status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(CheckIn.mood)) == 1


def test_the_same_draft_arriving_twice_is_stored_once_and_is_no_conflict(mother):
    test_client, _client = mother
    earlier = local_today() - timedelta(days=2)
    page = test_client.get(f"/me/?day={earlier.isoformat()}").get_data(as_text=True)
    kept = {**drawn_form(test_client, f"/me/?day={earlier.isoformat()}"),
            "base": BASE_RE.search(page).group(1), "day": earlier.isoformat(), "mood": "2"}
    assert test_client.post("/me/", data=kept).status_code == 303
    assert test_client.post("/me/", data=kept).status_code == 303  # the phone sends it again
    assert checkin_count() == 1


def test_is_conflict_only_for_newer_answers_from_another_submission():
    mine, other = uuid.uuid4(), uuid.uuid4()
    row = CheckIn(id=7, submission_id=other)
    row.updated_at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert is_conflict(row, "", mine)  # the day was empty when her form was drawn
    assert not is_conflict(row, version_of(row), mine)  # she saw these answers
    assert not is_conflict(row, None, mine)  # a form that does not say
    assert not is_conflict(None, "", mine)
    row.submission_id = mine
    assert not is_conflict(row, "", mine)  # her own draft, arriving again
