"""A "register as a new client" enquiry becomes a client invitation in one click by the admin."""

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Enquiry, Invitation
from tests.conftest import post_form


def test_one_click_turns_a_registration_into_an_invitation(login_as, make, outbox):
    practitioner = make.practitioner(name="Anna de Vries")
    enquiry = Enquiry(kind="register", name="Lotte Jansen", email="lotte@example.test",
                      message="Graag aanmelden", locale="en")
    db.session.add(enquiry)
    db.session.commit()
    browser, _admin = login_as("admin")
    page = browser.get("/admin/enquiries").get_data(as_text=True)
    assert "enquiry-invite" in page
    response = post_form(browser, f"/admin/enquiries/{enquiry.id}/invite",
                         {f"enquiry-{enquiry.id}-practitioner_id": str(practitioner.id)})
    assert response.status_code == 303
    [invitation] = db.session.scalars(sa.select(Invitation)).all()
    assert (invitation.full_name, invitation.email, invitation.locale, invitation.role,
            invitation.practitioner_id) == ("Lotte Jansen", "lotte@example.test", "en",
                                            "client", practitioner.id)
    assert outbox[-1].recipient == "lotte@example.test" and outbox[-1].kind == "invitation"
    db.session.refresh(enquiry)
    assert enquiry.handled_at is not None
    assert "enquiry-invite" not in browser.get("/admin/enquiries").get_data(as_text=True)


def test_without_a_practitioner_nothing_is_sent(login_as, make, outbox):
    make.practitioner()
    enquiry = Enquiry(kind="appointment", name="Lotte", email="l@example.test", message="Hi")
    db.session.add(enquiry)
    db.session.commit()
    browser, _admin = login_as("admin")
    response = post_form(browser, f"/admin/enquiries/{enquiry.id}/invite", {})
    assert response.status_code == 422
    assert "Kies de behandelaar voor deze cliënt." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
    assert len(outbox) == 0


def test_an_existing_account_is_not_invited_again(login_as, make, outbox):
    practitioner = make.practitioner()
    existing = make.client(practitioner=practitioner)
    enquiry = Enquiry(kind="register", name="X", email=existing.email, message="Hi")
    db.session.add(enquiry)
    db.session.commit()
    browser, _admin = login_as("admin")
    response = post_form(browser, f"/admin/enquiries/{enquiry.id}/invite",
                         {f"enquiry-{enquiry.id}-practitioner_id": str(practitioner.id)})
    assert response.status_code == 422
    assert "Er is al een account met dit e-mailadres." in response.get_data(as_text=True)
    assert len(outbox) == 0


def test_once_she_has_an_account_the_admin_books_her_intake(login_as, make, outbox):
    from datetime import time

    from portal.appointments import services
    from portal.models import Appointment, WeeklyHours

    practitioner = make.practitioner()
    db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=2, starts_at=time(9),
                               ends_at=time(12), length_minutes=60, kind="practice"))
    client = make.client(practitioner=practitioner, email="lotte@example.test")
    enquiry = Enquiry(kind="appointment", name="Lotte", email="Lotte@example.test",
                      message="Intake graag")
    db.session.add(enquiry)
    db.session.commit()
    browser, admin = login_as("admin")
    page = browser.get("/admin/enquiries").get_data(as_text=True)
    assert f"/practice/clients/{client.id}/appointments/new" in page
    assert browser.get(f"/practice/clients/{client.id}/appointments/new").status_code == 200
    slot = services.open_slots(practitioner.id, by_practice=True)[0]
    response = post_form(browser, f"/practice/clients/{client.id}/appointments",
                         {"kind": "practice", "start": slot.starts_at.isoformat()})
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/admin/enquiries")
    [appointment] = db.session.scalars(sa.select(Appointment)).all()
    assert (appointment.client_id, appointment.practitioner_id, appointment.booked_by_id) == (
        client.id, practitioner.id, admin.id)
    assert outbox[-1].recipient == client.email


def test_the_enquiries_page_names_each_kind_in_the_readers_language(login_as):
    for kind in ("appointment", "register", "question"):
        db.session.add(Enquiry(kind=kind, name=f"Person {kind}", email=f"{kind}@example.test",
                               message="Hallo"))
    db.session.commit()
    browser, admin = login_as("admin")
    expected = {
        "en": ["Wants an appointment", "Wants to register as a new client", "Question"],
        "nl": ["Wil een afspraak maken", "Wil zich aanmelden als nieuwe cliënt", "Vraag"],
    }
    for locale, labels in expected.items():
        admin.locale = locale
        db.session.commit()
        page = browser.get("/admin/enquiries").get_data(as_text=True)
        for label in labels:
            assert f"· {label}</small>" in page, (locale, label)
        for raw in ("appointment", "register", "question"):
            assert f"· {raw}</small>" not in page
