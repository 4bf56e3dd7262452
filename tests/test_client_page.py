"""The client page reads in the order a practitioner works: open flags, how to reach her and the
notes first, the day-by-day check-ins folded; a confirmation is in view after every action."""

import re

import pytest

from tests.conftest import post_drawn_form, post_form
from tests.test_practice import TODAY, add_checkin, checkin_form, record  # noqa: F401


def heading_position(html: str, section_id: str) -> int:
    position = html.find(f'id="{section_id}"')
    assert position >= 0, f"no section {section_id} on the page"
    return position


def test_flags_contact_and_notes_come_before_the_data(record, login_as):  # noqa: F811
    practitioner, client, _flag, _note = record
    add_checkin(client, 1, mood=4)
    test_client, _user = login_as(user=practitioner)
    html = test_client.get(f"/practice/clients/{client.id}").get_data(as_text=True)
    # How to reach her stays at the very top (see test_careteam), then open flags, then notes.
    first = [
        heading_position(html, name)
        for name in ("contact-title", "flags-title", "notes-title")
    ]
    assert first == sorted(first)
    later = [
        heading_position(html, name)
        for name in ("messages-title", "charts-title", "questionnaires-title", "checkins-title")
    ]
    assert max(first) < min(later)


def test_the_check_ins_are_folded(record, login_as):  # noqa: F811
    practitioner, client, _flag, _note = record
    add_checkin(client, 1, mood=4)
    test_client, _user = login_as(user=practitioner)
    html = test_client.get(f"/practice/clients/{client.id}").get_data(as_text=True)
    section = html[heading_position(html, "checkins-title") :]
    section = section[: section.index("</section>")]
    folded = re.search(
        r'<details[^>]*>\s*<summary>[^<]*</summary>\s*<ol class="checkin-list"', section
    )
    assert folded, "the check-in list is not inside a <details>"
    assert " open" not in folded.group(0)


def assert_flash_in_view(test_client, response, text: str) -> None:
    """The page the redirect lands on scrolls to an anchor at or above the confirmation."""
    location = response.headers["Location"]
    path, _hash, anchor = location.partition("#")
    html = test_client.get(path).get_data(as_text=True)
    flash = html.find(text)
    assert flash >= 0, "the confirmation is not on the page"
    if anchor:
        assert 0 <= html.find(f'id="{anchor}"') < flash, f"#{anchor} scrolls past the confirmation"


def test_acknowledging_a_flag_shows_its_confirmation(record, login_as):  # noqa: F811
    practitioner, client, flag, _note = record
    test_client, _user = login_as(user=practitioner)
    response = post_form(
        test_client,
        f"/practice/flags/{flag.id}/acknowledge",
        {f"flag-{flag.id}-note": "Called her."},
        token_from=f"/practice/clients/{client.id}",
    )
    assert response.status_code == 302
    assert_flash_in_view(test_client, response, "The flag was acknowledged.")


def test_writing_a_note_shows_its_confirmation(record, login_as):  # noqa: F811
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    response = post_form(
        test_client, f"{page}/notes", {"body": "Sleeps better."}, token_from=page
    )
    assert response.status_code == 302
    assert_flash_in_view(test_client, response, "The note was saved.")


def test_a_phone_check_in_shows_its_confirmation(record, login_as):  # noqa: F811
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    page = f"/practice/clients/{client.id}"
    response = post_drawn_form(
        test_client, f"{page}/checkins", checkin_form(TODAY, mood=4), form_page=page
    )
    assert response.status_code == 303
    assert_flash_in_view(test_client, response, "The check-in was saved.")


@pytest.mark.parametrize("days", [30, 90])
def test_record_an_epds_button_opens_the_on_behalf_form(record, login_as, days):  # noqa: F811
    practitioner, client, _flag, _note = record
    test_client, _user = login_as(user=practitioner)
    html = test_client.get(f"/practice/clients/{client.id}?days={days}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)"[^>]*>Record an EPDS from this consult</a>', html)
    assert link, "no 'Record an EPDS from this consult' button"
    assert link.group(1) == f"/questionnaires/clients/{client.id}/epds"
    form = test_client.get(link.group(1))
    assert form.status_code == 200
    assert "Mila Mother" in form.get_data(as_text=True)
