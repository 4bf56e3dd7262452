"""Admin pages: only admins get in; accounts can be reassigned and deactivated."""

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, User
from tests.conftest import login, post_form

ADMIN_PAGES = ["/admin/", "/admin/invite", "/admin/enquiries", "/admin/users/1"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["client", "practitioner"])
def test_admin_pages_refuse_other_roles(login_as, make, path, role):
    make.admin()  # user 1 exists for /admin/users/1
    test_client, _user = login_as(role)
    response = test_client.get(path)
    assert response.status_code == 403
    assert "niet voor uw account" in response.get_data(as_text=True)
    denied = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "authorisation_denied")
    ).all()
    assert denied and denied[-1].detail == path


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_send_anonymous_visitors_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_admin_sees_people_and_pages(login_as, make):
    test_client, _admin = login_as("admin")
    make.practitioner(name="Petra Practitioner")
    for path in ADMIN_PAGES:
        assert test_client.get(path).status_code == 200
    assert "Petra Practitioner" in test_client.get("/admin/").get_data(as_text=True)


def test_admin_assigns_a_client_to_another_practitioner(login_as, make):
    test_client, _admin = login_as("admin")
    first, second = make.practitioner(), make.practitioner()
    mother = make.client(practitioner=first)
    response = post_form(
        test_client,
        f"/admin/users/{mother.id}",
        {"practitioner_id": str(second.id), "active": "y"},
        token_from="/admin/",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, mother.id).profile.practitioner_id == second.id


def test_admin_refuses_a_non_practitioner_as_practitioner(login_as, make):
    test_client, admin = login_as("admin")
    mother = make.client(practitioner=make.practitioner())
    response = post_form(
        test_client,
        f"/admin/users/{mother.id}",
        {"practitioner_id": str(admin.id), "active": "y"},
        token_from="/admin/",
    )
    assert response.status_code in (400, 422)


def test_deactivating_signs_the_person_out(app, login_as, make):
    admin_client, _admin = login_as("admin")
    mother = make.client(practitioner=make.practitioner())
    mother_client = app.test_client()
    login(mother_client, mother)
    post_form(
        admin_client, f"/admin/users/{mother.id}", {"practitioner_id": "0"}, token_from="/admin/"
    )
    assert mother_client.get("/me/").status_code == 302
