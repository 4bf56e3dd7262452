"""Input the portal bounds before it costs memory, time or a server error.

A body over 3 MB is refused unread (413); ids beyond a database integer are 404; dates in a
query string outside 2000-2100 are 400 with a message; decimal fields refuse NaN, infinity and
huge numbers with the field's message; an uploaded wording file is limited in size and nesting;
lesson Markdown is limited in length so that a preview answers quickly.
"""

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.dates import local_today
from portal.extensions import db
from portal.guidance.forms import MAX_BODY
from portal.guidance.loader import load_content
from portal.guidance.rendering import render_markdown
from portal.models import CheckIn, ErasureRequest, InstrumentText, Lesson, LessonText, Module
from tests.conftest import post_drawn_form, post_form
from tests.test_questionnaires import DEFINITIONS

MB = 1024 * 1024


class CountingBody(io.RawIOBase):
    """A request body of `size` bytes that counts how much of it the server read."""

    def __init__(self, size: int, chunk: bytes = b"a"):
        self.size, self.chunk, self.read_bytes = size, chunk, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.read_bytes)
        buffer[:count] = (self.chunk * (count // len(self.chunk) + 1))[:count]
        self.read_bytes += count
        return count


def english(user):
    user.locale = "en"
    db.session.commit()
    return user


# --- Request size. ------------------------------------------------------------------------


def test_a_body_over_3_mb_is_refused_with_413_before_it_is_read(client):
    body = CountingBody(3 * MB + 1, b"email=a&")
    client.set_cookie("portal_locale", "en")
    response = client.post(
        "/login", data=b"", content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(body.size)},
    )
    assert response.status_code == 413
    assert body.read_bytes == 0
    page = response.get_data(as_text=True)
    assert "That was too much at once" in page and "What you sent is too large" in page


def test_the_413_page_is_dutch_by_default(client):
    body = CountingBody(3 * MB + 1)
    response = client.post(
        "/login", data=b"", content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(body.size)},
    )
    assert response.status_code == 413
    assert "Dat was te veel tegelijk" in response.get_data(as_text=True)


def test_a_streamed_body_without_length_is_read_no_further_than_3_mb(client):
    body = CountingBody(20 * MB)
    response = client.post(
        "/login", data=b"", content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True},
    )
    assert response.status_code < 500
    assert body.read_bytes <= 3 * MB


def test_a_multipart_form_with_many_parts_is_refused(login_as):
    browser, _admin = login_as("admin")
    fields = {f"field{n}": "x" for n in range(500)}
    response = post_form(browser, "/questionnaires/admin/instruments", fields,
                         token_from="/questionnaires/admin/instruments",
                         content_type="multipart/form-data")
    assert response.status_code == 413


# --- Ids beyond the database's integer range. ------------------------------------------------


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "99999999999999999999",
                                    "0", "٣"])
def test_ids_out_of_the_database_range_are_404_for_everyone(app, login_as, make, number):
    practitioner = make.practitioner()
    client_browser, _client = login_as("client", practitioner=practitioner)
    practitioner_browser, _practitioner = login_as(user=practitioner)
    admin_browser, _admin = login_as("admin")
    assert client_browser.get(f"/questionnaires/results/{number}").status_code == 404
    assert practitioner_browser.get(f"/practice/clients/{number}").status_code == 404
    assert practitioner_browser.get(f"/reports/clients/{number}.pdf").status_code == 404
    assert admin_browser.get(f"/admin/users/{number}").status_code == 404
    response = post_form(admin_browser, f"/account/admin/erasure/{number}",
                         {f"r{number}-decision": "erase"}, token_from="/account/admin/erasure")
    assert response.status_code == 404


def test_the_largest_database_id_is_an_ordinary_404(login_as):
    admin_browser, _admin = login_as("admin")
    assert admin_browser.get("/admin/users/2147483647").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ErasureRequest)) == 0


# --- Dates in query strings. -------------------------------------------------------------------

OUT_OF_RANGE = ["start=0001-01-01&end=0001-01-07", "start=1999-12-25&end=1999-12-31",
                "start=2101-01-01&end=2101-01-07", "start=9999-12-25&end=9999-12-31"]


@pytest.mark.parametrize("query", OUT_OF_RANGE)
def test_a_period_outside_2000_to_2100_is_400_with_a_message(login_as, make, query):
    practitioner = make.practitioner()
    browser, mother = login_as("client", practitioner=practitioner)
    english(mother)
    doctor, _practitioner = login_as(user=english(practitioner))
    for test_client, path in ((browser, "/reports/me"), (browser, "/reports/me.pdf"),
                              (doctor, f"/reports/clients/{mother.id}.pdf")):
        response = test_client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert "between 2000 and 2100" in response.get_data(as_text=True), path


def test_a_period_in_2000_is_still_a_period(login_as):
    browser, mother = login_as("client")
    english(mother)
    assert browser.get("/reports/me?start=2000-01-01&end=2000-01-07").status_code == 200


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31",
                                   "date_from=1999-12-31", "date_to=2101-01-01"])
def test_access_log_dates_outside_2000_to_2100_are_400(login_as, query):
    browser, admin = login_as("admin")
    english(admin)
    for suffix in ("", "&format=csv"):
        response = browser.get(f"/admin/access-log/?{query}{suffix}")
        assert response.status_code == 400
        assert "between 2000 and 2100" in response.get_data(as_text=True)


def test_access_log_accepts_the_edges_of_the_range(login_as):
    browser, _admin = login_as("admin")
    response = browser.get("/admin/access-log/?date_from=2000-01-01&date_to=2100-12-31")
    assert response.status_code == 200


def test_the_check_in_day_in_the_address_is_bounded_too(login_as):
    browser, mother = login_as("client")
    english(mother)
    response = browser.get("/me/?day=0001-01-01")
    assert response.status_code == 400
    assert "between 2000 and 2100" in response.get_data(as_text=True)
    assert browser.get("/me/?day=not-a-date").status_code == 200  # still: today's form


# --- Decimal fields. ----------------------------------------------------------------------


@pytest.mark.parametrize("hours", ["1e30", "nan", "NaN", "inf", "-Infinity", "sNaN", "9" * 60,
                                   "1e400"])
def test_a_phone_consult_refuses_absurd_sleep_hours_with_the_fields_message(login_as, make,
                                                                            hours):
    practitioner = english(make.practitioner())
    mother = make.client(practitioner=practitioner)
    browser, _practitioner = login_as(user=practitioner)
    page = f"/practice/clients/{mother.id}"
    data = {"day": local_today(mother.timezone).isoformat(), "mood": "3", "sleep_hours": hours}
    response = post_drawn_form(browser, f"{page}/checkins", data, form_page=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count("Enter hours from 0 to 16.") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


# --- Uploaded JSON. -------------------------------------------------------------------------


def upload(browser, content: bytes):
    return post_form(
        browser, "/questionnaires/admin/instruments",
        {"instrument": "epds", "definition": (io.BytesIO(content), "epds.json")},
        token_from="/questionnaires/admin/instruments", content_type="multipart/form-data",
    )


def test_a_deeply_nested_upload_is_refused_clearly(login_as):
    browser, admin = login_as("admin")
    english(admin)
    response = upload(browser, b"[" * 100_000)
    assert response.status_code == 422
    assert "nested more than" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InstrumentText)) == 0


def test_an_upload_nested_twenty_deep_is_refused(login_as):
    browser, admin = login_as("admin")
    english(admin)
    definition = json.loads((DEFINITIONS / "licensed-example.json").read_text())
    nested = "x"
    for _level in range(20):  # the format itself needs 4
        nested = [nested]
    definition["items"][0]["text"] = nested
    response = upload(browser, json.dumps(definition).encode())
    assert response.status_code == 422
    assert "nested more than" in response.get_data(as_text=True)


def test_an_upload_over_the_size_limit_is_refused_clearly(login_as):
    browser, admin = login_as("admin")
    english(admin)
    definition = json.loads((DEFINITIONS / "licensed-example.json").read_text())
    definition["licence"] = "x" * 1_000_000  # a wording file is a few kilobytes
    response = upload(browser, json.dumps(definition).encode())
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)


def test_an_upload_of_many_wrong_items_lists_a_bounded_number_of_problems(login_as):
    browser, admin = login_as("admin")
    english(admin)
    items = ",".join(["0"] * 50_000)
    response = upload(browser, f'{{"instrument": "epds", "items": [{items}]}}'.encode())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "more problems" in html
    assert html.count("must be an object") < 50


def test_the_cli_refuses_deep_and_large_files_too(runner, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    result = runner.invoke(args=["instruments", "install", str(deep)])
    assert result.exit_code != 0 and "nested more than" in result.output
    large = tmp_path / "large.json"
    large.write_text(json.dumps({"licence": "x" * 1_000_000}))
    result = runner.invoke(args=["instruments", "install", str(large)])
    assert result.exit_code != 0 and "larger than" in result.output


# --- Lesson Markdown. -----------------------------------------------------------------------


@pytest.fixture
def lesson_page(app, login_as):
    load_content()
    db.session.commit()
    browser, admin = login_as("admin")
    english(admin)
    lesson = db.session.scalar(
        sa.select(Lesson).join(Module).where(Module.slug == "sleep")
        .where(Lesson.slug == "a-calm-evening")
    )
    return browser, f"/guidance/admin/lessons/{lesson.id}/texts/en", lesson


@pytest.mark.parametrize("button", ["preview", "save"])
def test_lesson_markdown_over_the_limit_is_refused_with_the_fields_message(lesson_page, button):
    browser, url, lesson = lesson_page
    before = db.session.scalar(
        sa.select(LessonText.body).where(LessonText.lesson_id == lesson.id,
                                         LessonText.locale == "en"))
    body = "*a" * 25_000  # the review's 7-second preview
    data = {"title": "T", "summary": "", "minutes": "3", "body": body, button: "1"}
    response = post_form(browser, url, data, token_from=url)
    assert response.status_code == 422
    assert f"under {MAX_BODY} characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(
        sa.select(LessonText.body).where(LessonText.lesson_id == lesson.id,
                                         LessonText.locale == "en")) == before


def test_lesson_markdown_at_the_limit_still_previews(lesson_page):
    browser, url, _lesson = lesson_page
    body = ("*a" * MAX_BODY)[:MAX_BODY]
    data = {"title": "T", "summary": "", "minutes": "3", "body": body, "preview": "1"}
    assert post_form(browser, url, data, token_from=url).status_code == 200


def test_a_module_introduction_over_the_limit_is_refused(app, login_as):
    load_content()
    db.session.commit()
    browser, admin = login_as("admin")
    english(admin)
    module = db.session.scalar(sa.select(Module).where(Module.slug == "sleep"))
    url = f"/guidance/admin/modules/{module.id}/texts/en"
    data = {"title": "T", "summary": "", "body": "[" * (MAX_BODY + 1), "preview": "1"}
    response = post_form(browser, url, data, token_from=url)
    assert response.status_code == 422
    assert f"under {MAX_BODY} characters" in response.get_data(as_text=True)


def test_a_table_cannot_multiply_a_short_text_into_thousands_of_cells():
    columns = 200
    bomb = "|a" * columns + "\n" + "|-" * columns + "\n" + "a\n" * 300
    html = render_markdown(bomb)
    assert html.count("<td") <= 5_000


def test_a_table_with_full_rows_is_kept_whole():
    table = "| day | sleep |\n|---|---|\n" + "".join(f"| {n} | 7 |\n" for n in range(200))
    assert render_markdown(table).count("<td>") == 400


def test_a_thousand_breathing_pacers_do_not_break_the_page():
    html = render_markdown("[[breathing-pacer]]\n\n" * 1000,
                           pacer=lambda index: f'<div id="pacer-{index}"></div>')
    assert 'id="pacer-1000"' in html


def test_dates_of_a_week_ago_stay_valid_for_the_phone_check_in(login_as, make):
    # The bounded decimal field must not disturb an ordinary phone consult.
    practitioner = make.practitioner()
    mother = make.client(practitioner=practitioner)
    browser, _practitioner = login_as(user=practitioner)
    page = f"/practice/clients/{mother.id}"
    day = local_today(mother.timezone) - timedelta(days=2)
    data = {"day": day.isoformat(), "mood": "3", "sleep_hours": "5.75"}
    assert post_drawn_form(browser, f"{page}/checkins", data, form_page=page).status_code == 303
    assert db.session.scalar(sa.select(CheckIn.sleep_hours)) == 5.75
