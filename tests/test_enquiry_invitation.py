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
