"""Admin pages: only admins get in; accounts can be reassigned and deactivated."""

import re

import pyotp
import pytest
import sqlalchemy as sa

from portal.admin import services
from portal.auth import twofactor
from portal.auth.sessions import start_session
from portal.extensions import db
from portal.models import AuditEvent, RecoveryCode, User
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


def enrolled_practitioner(make) -> User:
    practitioner = make.practitioner(name="Petra Practitioner")
    twofactor.enable_with_secret(practitioner, pyotp.random_base32())
    twofactor.new_recovery_codes(practitioner)
    db.session.commit()
    return practitioner


def test_admin_resets_a_lost_two_step_sign_in(app, login_as, make, outbox):
    admin_client, _admin = login_as("admin")
    practitioner = enrolled_practitioner(make)
    page = admin_client.get(f"/admin/users/{practitioner.id}").get_data(as_text=True)
    assert "Inloggen in twee stappen opnieuw instellen" in page
    practitioner_client = app.test_client()
    token, _row = start_session(practitioner, remember=False, user_agent=None, address=None)
    db.session.commit()
    with practitioner_client.session_transaction() as session:  # her session on the lost phone
        session["_user_id"] = token
        session["_fresh"] = True
    assert practitioner_client.get("/practice/").status_code == 200

    response = post_form(
        admin_client,
        f"/admin/users/{practitioner.id}/two-factor/reset",
        {"confirmed": "y"},
        token_from=f"/admin/users/{practitioner.id}",
    )

    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(User, practitioner.id)
    assert not stored.totp_enabled and stored.totp_secret_encrypted is None
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(RecoveryCode).where(
            RecoveryCode.user_id == practitioner.id
        )
    ) == 0
    assert practitioner_client.get("/practice/").status_code == 302  # signed out everywhere
    assert outbox[-1].to == (practitioner.email,)
    assert "opnieuw ingesteld" in outbox[-1].body
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "two_factor_reset")
    ).one()
    assert event.detail == practitioner.email


def test_after_a_reset_staff_set_up_two_step_sign_in_again(app, login_as, make):
    app.config["TWO_FACTOR_REQUIRED"] = True
    admin = make.admin()
    twofactor.enable_with_secret(admin, pyotp.random_base32())
    practitioner = enrolled_practitioner(make)
    services.reset_two_factor(db.session.get(User, practitioner.id))
    db.session.commit()
    test_client = app.test_client()
    login(test_client, practitioner)
    response = test_client.get("/practice/")
    assert response.headers["Location"] == "/two-factor/setup"


def test_a_reset_needs_the_identity_check_and_changes_nothing_without_it(login_as, make, outbox):
    admin_client, _admin = login_as("admin")
    practitioner = enrolled_practitioner(make)
    response = post_form(
        admin_client,
        f"/admin/users/{practitioner.id}/two-factor/reset",
        {},
        token_from=f"/admin/users/{practitioner.id}",
    )
    assert response.status_code == 422
    assert "gecontroleerd" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, practitioner.id).totp_enabled
    assert outbox == []


def test_an_admin_cannot_reset_her_own_two_step_sign_in_here(login_as, make):
    admin_client, admin = login_as("admin")
    twofactor.enable_with_secret(admin, pyotp.random_base32())
    db.session.commit()
    response = post_form(
        admin_client,
        f"/admin/users/{admin.id}/two-factor/reset",
        {"confirmed": "y"},
        token_from="/admin/",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).totp_enabled


# Deactivating a practitioner does not orphan her clients.


@pytest.fixture
def caseload(login_as, make):
    test_client, admin = login_as("admin")
    admin.locale = "en"
    petra = make.practitioner(name="Petra Practitioner")
    quinn = make.practitioner(name="Quinn Colleague")
    mothers = [make.client(practitioner=petra, name=f"Mother {n}") for n in (1, 2)]
    db.session.commit()
    return test_client, petra, quinn, mothers


def practitioners_of(mothers) -> list[int | None]:
    db.session.expire_all()
    return [db.session.get(User, mother.id).profile.practitioner_id for mother in mothers]


def test_deactivating_a_practitioner_with_clients_is_refused_with_the_count(caseload):
    test_client, petra, _quinn, mothers = caseload
    response = post_form(
        test_client, f"/admin/users/{petra.id}", {"practitioner_id": "0"}, token_from="/admin/"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Petra Practitioner still has 2 clients" in page
    assert db.session.get(User, petra.id).active
    assert practitioners_of(mothers) == [petra.id, petra.id]


def test_deactivating_a_practitioner_hands_her_clients_to_a_colleague(caseload):
    test_client, petra, quinn, mothers = caseload
    response = post_form(
        test_client,
        f"/admin/users/{petra.id}",
        {"practitioner_id": "0", "handover_id": str(quinn.id)},
        token_from="/admin/",
    )
    assert response.status_code == 302
    assert not db.session.get(User, petra.id).active
    assert practitioners_of(mothers) == [quinn.id, quinn.id]
    assigned = db.session.scalars(
        sa.select(AuditEvent.client_id).where(AuditEvent.action == "practitioner_assigned")
    ).all()
    assert sorted(assigned) == sorted(mother.id for mother in mothers)


@pytest.mark.parametrize("to", ["self", "inactive", "abc"])
def test_a_handover_to_someone_who_cannot_take_them_is_refused(caseload, make, to):
    test_client, petra, _quinn, mothers = caseload
    inactive = make.practitioner(name="Gone")
    inactive.active = False
    db.session.commit()
    handover = {"self": petra.id, "inactive": inactive.id}.get(to, to)
    response = post_form(
        test_client,
        f"/admin/users/{petra.id}",
        {"practitioner_id": "0", "handover_id": str(handover)},
        token_from="/admin/",
    )
    assert response.status_code == 422
    assert db.session.get(User, petra.id).active
    assert practitioners_of(mothers) == [petra.id, petra.id]


def test_a_practitioner_without_clients_is_deactivated_at_once(caseload):
    test_client, _petra, quinn, _mothers = caseload
    response = post_form(
        test_client, f"/admin/users/{quinn.id}", {"practitioner_id": "0"}, token_from="/admin/"
    )
    assert response.status_code == 302
    assert not db.session.get(User, quinn.id).active


def test_saving_a_client_keeps_her_inactive_practitioner(caseload):
    test_client, petra, _quinn, mothers = caseload
    petra.active = False
    db.session.commit()
    mother = mothers[0]
    page = test_client.get(f"/admin/users/{mother.id}").get_data(as_text=True)
    assert re.search(
        rf'<option selected value="{petra.id}">Petra Practitioner \(deactivated\)</option>', page
    )
    assert "deactivated: choose an active practitioner" in page
    response = post_form(
        test_client,
        f"/admin/users/{mother.id}",
        {"practitioner_id": str(petra.id), "active": "y"},
        token_from="/admin/",
    )
    assert response.status_code == 302
    assert practitioners_of([mother]) == [petra.id]
