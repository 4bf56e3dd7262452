"""The practitioner's side of guidance: a client's progress and assigning modules."""

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_login import login_user

from portal.extensions import db
from portal.guidance.loader import load_content
from portal.guidance.services import progress_for
from portal.models import Assignment, AuditEvent, LessonProgress, Module
from tests.conftest import login, post_form


@pytest.fixture
def content(app):
    load_content()
    db.session.commit()


@pytest.fixture
def practice(app, make, content):
    """A practitioner (signed in, English) with one client, and a second practitioner."""
    practitioner = make.practitioner(name="Petra Practitioner")
    practitioner.locale = "en"
    mother = make.client(practitioner=practitioner, name="Mira Mother")
    other = make.practitioner(name="Otto Other")
    db.session.commit()
    test_client = app.test_client()
    login(test_client, practitioner)
    return test_client, practitioner, mother, other


def module_by_slug(slug: str) -> Module:
    return db.session.scalar(sa.select(Module).where(Module.slug == slug))


def assignments(client_id: int) -> list[Assignment]:
    return db.session.scalars(sa.select(Assignment).where(Assignment.client_id == client_id)).all()


def test_practitioner_sees_the_page_and_its_view_is_logged(practice):
    test_client, _practitioner, mother, _other = practice
    response = test_client.get(f"/guidance/clients/{mother.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Guidance for Mira Mother" in html
    assert "No modules assigned or started yet." in html
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "guidance_progress_viewed")
    )
    assert event.client_id == mother.id


def test_assigning_a_module_with_a_message(practice):
    test_client, practitioner, mother, _other = practice
    url = f"/guidance/clients/{mother.id}"
    gut = module_by_slug("gut-health")
    response = post_form(
        test_client,
        url,
        {"module_id": gut.id, "message": "  Try the fibre lesson.  "},
        token_from=url,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    [assignment] = assignments(mother.id)
    assert (assignment.module_id, assignment.message) == (gut.id, "Try the fibre lesson.")
    assert assignment.assigned_by_id == practitioner.id
    html = test_client.get(url).get_data(as_text=True)
    assert "Gut health" in html and "Try the fibre lesson." in html and "Not started" in html
    assert db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "guidance_module_assigned", AuditEvent.client_id == mother.id
        )
    )


def test_assigning_again_updates_the_message_without_a_duplicate(practice):
    test_client, _practitioner, mother, _other = practice
    url = f"/guidance/clients/{mother.id}"
    gut = module_by_slug("gut-health")
    post_form(test_client, url, {"module_id": gut.id, "message": "First."}, token_from=url)
    post_form(test_client, url, {"module_id": gut.id, "message": "Second."}, token_from=url)
    db.session.expire_all()
    [assignment] = assignments(mother.id)
    assert assignment.message == "Second."
    post_form(test_client, url, {"module_id": gut.id, "message": ""}, token_from=url)
    db.session.expire_all()
    assert assignments(mother.id)[0].message is None
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "guidance_assignment_updated")
    )


@pytest.mark.parametrize(
    "data",
    [
        {"module_id": "99999", "message": "x"},
        {"module_id": "abc", "message": "x"},
        {"module_id": "", "message": "x"},
        {"message": "x"},
        {"module_id": "GUT", "message": "x" * 10},
        {"module_id": "1", "message": "nul \x00 byte"},
    ],
)
def test_bad_assignments_are_refused(practice, data):
    test_client, _practitioner, mother, _other = practice
    url = f"/guidance/clients/{mother.id}"
    response = post_form(test_client, url, data, token_from=url)
    # A NUL character is refused before any view runs (portal/input_guard.py): 400.
    assert response.status_code == (400 if "\x00" in data.get("message", "") else 422)
    assert assignments(mother.id) == []


def test_an_overlong_message_is_refused(practice):
    test_client, _practitioner, mother, _other = practice
    url = f"/guidance/clients/{mother.id}"
    gut = module_by_slug("gut-health")
    response = post_form(
        test_client, url, {"module_id": gut.id, "message": "x" * 2001}, token_from=url
    )
    assert response.status_code == 422
    assert "2000" in response.get_data(as_text=True) or "2,000" in response.get_data(as_text=True)
    assert assignments(mother.id) == []


def test_an_unpublished_module_cannot_be_assigned(practice):
    test_client, _practitioner, mother, _other = practice
    url = f"/guidance/clients/{mother.id}"
    sleep = module_by_slug("sleep")
    sleep.published = False
    db.session.commit()
    response = post_form(test_client, url, {"module_id": sleep.id}, token_from=url)
    assert response.status_code == 422
    assert assignments(mother.id) == []


def test_another_practitioners_client_is_404(app, practice):
    _test_client, _practitioner, mother, other = practice
    other_client = app.test_client()
    login(other_client, other)
    url = f"/guidance/clients/{mother.id}"
    assert other_client.get(url).status_code == 404
    gut = module_by_slug("gut-health")
    response = post_form(other_client, url, {"module_id": gut.id}, token_from="/help")
    assert response.status_code == 404
    assert assignments(mother.id) == []


@pytest.mark.parametrize("client_id", ["999999", "0"])
def test_unknown_client_ids_are_404(practice, client_id):
    test_client, practitioner, _mother, _other = practice
    assert test_client.get(f"/guidance/clients/{client_id}").status_code == 404
    # A practitioner's own id is not a client.
    assert test_client.get(f"/guidance/clients/{practitioner.id}").status_code == 404


def test_garbage_client_id_is_404(practice):
    test_client, *_rest = practice
    assert test_client.get("/guidance/clients/abc").status_code == 404


@pytest.mark.parametrize("role", ["client", "admin"])
def test_other_roles_may_not_open_the_practitioner_page(login_as, practice, role):
    _test_client, _practitioner, mother, _other = practice
    test_client, _user = login_as(role)
    assert test_client.get(f"/guidance/clients/{mother.id}").status_code == 404


def test_the_mother_herself_cannot_assign(app, practice):
    _test_client, _practitioner, mother, _other = practice
    her_client = app.test_client()
    login(her_client, mother)
    response = post_form(
        her_client,
        f"/guidance/clients/{mother.id}",
        {"module_id": module_by_slug("sleep").id},
        token_from="/guidance/",
    )
    assert response.status_code == 404
    assert assignments(mother.id) == []


def test_progress_for_counts_done_lessons_of_assigned_and_started_modules(practice):
    test_client, practitioner, mother, _other = practice
    gut, sleep = module_by_slug("gut-health"), module_by_slug("sleep")
    db.session.add(Assignment(client_id=mother.id, module_id=gut.id, message="Hello"))
    for lesson in gut.lessons[:2]:
        db.session.add(LessonProgress(client_id=mother.id, lesson_id=lesson.id))
    db.session.add(LessonProgress(client_id=mother.id, lesson_id=sleep.lessons[0].id))
    db.session.commit()
    with test_client.application.test_request_context():
        rows = progress_for(mother)
    assert [(row["slug"], row["done"], row["total"], row["assigned"]) for row in rows] == [
        ("gut-health", 2, 4, True),
        ("sleep", 1, 5, False),
    ]
    html = test_client.get(f"/guidance/clients/{mother.id}").get_data(as_text=True)
    assert "2 of 4" in html and "1 of 5" in html and "Started" in html


def test_progress_partial_can_be_included_in_the_practice_client_page(practice):
    test_client, practitioner, mother, _other = practice
    with test_client.application.test_request_context("/practice/clients/1"):
        login_user(practitioner)
        html = render_template_string(
            '{% include "guidance/_client_progress.html" %}',
            progress=progress_for(mother),
            client=mother,
        )
    assert "Guidance modules" in html
    assert f'href="/guidance/clients/{mother.id}"' in html
