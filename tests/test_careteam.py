"""Her contact details and care team: checks of Dutch numbers, who may change what, the
access log, and what the practitioner sees beside an urgent flag."""

import re

import pytest
import sqlalchemy as sa

from portal.careteam import phones
from portal.extensions import db
from portal.flags import LEVEL_RANK
from portal.models import AuditEvent, CareTeamMember, ContactAttempt, Flag, User
from tests.conftest import login, post_form


def english(user: User) -> User:
    """Let the user read English, so tests can look for visible text."""
    user.locale = "en"
    db.session.commit()
    return user


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def actions_for(client: User) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.client_id == client.id)
        .order_by(AuditEvent.id)
    ))


def add_flag(client: User, level: str = "urgent", rule: str = "safety") -> Flag:
    flag = Flag(client_id=client.id, rule=rule, level=level, level_rank=LEVEL_RANK[level],
                evidence={"item_10": 2, "total": 14})
    db.session.add(flag)
    db.session.commit()
    return flag


# --- Dutch phone numbers (pure) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("06-12345678", "+31612345678", "06 12345678"),
        ("+31 6 1234 5678", "+31612345678", "06 12345678"),
        ("0031612345678", "+31612345678", "06 12345678"),
        ("(020) 123 4567", "+31201234567", "020 123 4567"),
        ("088-1234567", "+31881234567", "088 123 4567"),
    ],
)
def test_dutch_numbers_are_normalised(typed, stored, shown):
    assert phones.normalise(typed) == stored
    assert phones.display(stored) == shown


@pytest.mark.parametrize(
    "typed", ["0612345", "061234567890", "+49 30 1234567", "112", "call me", "++31", "0" * 40]
)
def test_what_is_not_a_dutch_number_is_refused(typed):
    with pytest.raises(phones.PhoneError):
        phones.normalise(typed)


# --- her own account page -----------------------------------------------------------------


def test_she_saves_her_phone_and_emergency_contact(login_as):
    browser, user = login_as("client")
    english(user)
    response = post_form(browser, "/account/contact", {
        "contact-phone": "06-1234 5678",
        "contact-emergency_contact_name": "Jan Jansen",
        "contact-emergency_contact_relation": "partner",
        "contact-emergency_contact_phone": "020 123 4567",
    })
    assert response.status_code == 302
    db.session.expire_all()
    profile = db.session.get(User, user.id).profile
    assert (profile.phone, profile.emergency_contact_phone) == ("+31612345678", "+31201234567")
    assert profile.emergency_contact_name == "Jan Jansen"
    page = text_of(browser.get("/account/"))
    assert 'value="06 12345678"' not in page  # the form shows what is stored,
    assert 'value="+31612345678"' in page  # in the one unambiguous form
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "contact_details_changed"))
    assert event.client_id == user.id and event.actor_id == user.id
    assert "0612345678" not in (event.detail or "") and "phone" in event.detail


def test_a_bad_number_gets_the_fields_message_and_changes_nothing(login_as):
    browser, user = login_as("client")
    english(user)
    response = post_form(browser, "/account/contact", {
        "contact-phone": "0612",
        "contact-emergency_contact_phone": "+49 30 1234567",
    })
    assert response.status_code == 422
    page = text_of(response)
    assert page.count("Enter a Dutch phone number") == 2
    assert 'id="contact-phone-error"' in page
    db.session.expire_all()
    assert db.session.get(User, user.id).profile.phone is None
    assert "contact_details_changed" not in actions_for(user)


def test_an_emergency_number_needs_a_name(login_as):
    browser, user = login_as("client")
    english(user)
    response = post_form(browser, "/account/contact",
                         {"contact-emergency_contact_phone": "0612345678"})
    assert response.status_code == 422
    assert "Add the name of the person who has this number." in text_of(response)


def test_she_adds_and_removes_care_team_members(login_as):
    browser, user = login_as("client")
    english(user)
    response = post_form(browser, "/account/care-team", {
        "member-role": "verloskundige", "member-name": "Vera de Vries",
        "member-practice": "Verloskundigen Centrum", "member-phone": "030 123 4567",
        "member-email": "vera@vroedvrouw.test", "member-agb_code": "12345678",
    })
    assert response.status_code == 302
    member = db.session.scalar(sa.select(CareTeamMember))
    assert (member.client_id, member.phone, member.agb_code) == (user.id, "+31301234567",
                                                                 "12345678")
    page = text_of(browser.get("/account/"))
    assert "Vera de Vries" in page and 'href="tel:+31301234567"' in page
    response = post_form(browser, f"/account/care-team/{member.id}/remove")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CareTeamMember)) == 0
    assert {"care_team_member_added", "care_team_member_removed"} <= set(actions_for(user))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("member-name", "", "This field is required."),
        ("member-role", "shaman", "Not a valid choice."),
        ("member-agb_code", "1234", "An AGB code has exactly 8 digits."),
        ("member-email", "not-an-address", "Invalid email address."),
        ("member-phone", "12", "Enter a Dutch phone number"),
        ("member-name", "x" * 121, "Field cannot be longer than 120 characters."),
    ],
)
def test_a_bad_member_is_refused_with_the_fields_message(login_as, field, value, message):
    browser, user = login_as("client")
    english(user)
    data = {"member-role": "huisarts", "member-name": "Dr. Bakker", **{field: value}}
    response = post_form(browser, "/account/care-team", data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CareTeamMember)) == 0


def test_she_cannot_remove_another_clients_member(login_as, make):
    browser, _ = login_as("client")
    other = make.client()
    member = CareTeamMember(client_id=other.id, role="huisarts", name="Dr. Other")
    db.session.add(member)
    db.session.commit()
    assert post_form(browser, f"/account/care-team/{member.id}/remove").status_code == 404
    assert db.session.get(CareTeamMember, member.id) is not None


# --- her practitioner ---------------------------------------------------------------------


def test_the_client_page_shows_how_to_reach_her_at_the_top(login_as, make):
    browser, practitioner = login_as("practitioner")
    english(practitioner)
    client = make.client(practitioner=practitioner, phone="+31612345678",
                         emergency_contact_name="Jan", emergency_contact_relation="partner",
                         emergency_contact_phone="+31201234567")
    db.session.add(CareTeamMember(client_id=client.id, role="huisarts", name="Dr. Bakker",
                                  phone="+31301234567"))
    db.session.commit()
    page = browser.get(f"/practice/clients/{client.id}").get_data(as_text=True)
    contact = page.index('id="contact"')
    assert contact < page.index('id="flags"')
    for number in ("+31612345678", "+31201234567", "+31301234567"):
        assert f'href="tel:{number}"' in page
    assert "06 12345678" in page and "Dr. Bakker" in page


def test_her_practitioner_changes_her_details_and_it_is_logged(app, login_as, make):
    browser, practitioner = login_as("practitioner")
    english(practitioner)
    client = english(make.client(practitioner=practitioner))
    response = post_form(browser, f"/practice/clients/{client.id}/contact",
                         {"contact-phone": "0612345678"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, client.id).profile.phone == "+31612345678"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "contact_details_changed"))
    assert (event.client_id, event.actor_id) == (client.id, practitioner.id)
    # She reads it in her own log in plain words.
    her_browser = app.test_client()
    login(her_browser, client)
    log = text_of(her_browser.get("/account/")).split('id="log-heading"')[1]
    who = f"<td>{practitioner.full_name} <small>(Practitioner)</small></td>"
    assert f"{who}<td>Changed the contact details</td>" in log

    response = post_form(browser, f"/practice/clients/{client.id}/contact",
                         {"contact-phone": "not a phone"})
    assert response.status_code == 422
    assert "Enter a Dutch phone number" in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, client.id).profile.phone == "+31612345678"


def test_another_practitioner_gets_404_everywhere(login_as, make):
    browser, _ = login_as("practitioner")
    client = make.client(practitioner=make.practitioner())
    member = CareTeamMember(client_id=client.id, role="huisarts", name="Dr. B")
    db.session.add(member)
    db.session.commit()
    flag = add_flag(client)
    for url, data in [
        (f"/practice/clients/{client.id}/contact", {"contact-phone": "0612345678"}),
        (f"/practice/clients/{client.id}/care-team", {"member-role": "huisarts",
                                                      "member-name": "X"}),
        (f"/practice/clients/{client.id}/care-team/{member.id}/remove", {}),
        (f"/practice/flags/{flag.id}/calls", {f"call-{flag.id}-callee": "other",
                                              f"call-{flag.id}-outcome": "reached"}),
    ]:
        assert post_form(browser, url, data).status_code == 404, url
    db.session.expire_all()
    assert db.session.get(User, client.id).profile.phone is None
    assert db.session.get(CareTeamMember, member.id) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactAttempt)) == 0


def test_a_member_of_another_client_is_404_for_her_practitioner(login_as, make):
    browser, practitioner = login_as("practitioner")
    mine = make.client(practitioner=practitioner)
    other = make.client(practitioner=practitioner)
    member = CareTeamMember(client_id=other.id, role="huisarts", name="Dr. B")
    db.session.add(member)
    db.session.commit()
    url = f"/practice/clients/{mine.id}/care-team/{member.id}/remove"
    assert post_form(browser, url).status_code == 404


def test_an_urgent_flag_shows_protocol_numbers_and_the_calls(login_as, make):
    admin_browser, admin = login_as("admin")
    response = post_form(admin_browser, "/admin/urgent-protocol", {
        "text": "The practitioner calls within 1 hour.\nNo answer: call the GP."})
    assert response.status_code == 302
    browser, practitioner = login_as("practitioner")
    english(practitioner)
    client = make.client(practitioner=practitioner, phone="+31612345678",
                         emergency_contact_name="Jan", emergency_contact_phone="+31201234567")
    gp = CareTeamMember(client_id=client.id, role="huisarts", name="Dr. Bakker",
                        phone="+31301234567")
    db.session.add(gp)
    db.session.commit()
    urgent, medium = add_flag(client), add_flag(client, "medium", "low_mood")

    page = browser.get(f"/practice/clients/{client.id}").get_data(as_text=True)
    beside = page[page.index(f'id="flag-{urgent.id}"'):page.index(f'id="flag-{medium.id}"')]
    assert "The practitioner calls within 1 hour." in beside
    for number in ("+31612345678", "+31201234567", "+31301234567"):
        assert f'href="tel:{number}"' in beside
    assert "No calls logged yet." in beside
    # A medium flag does not carry the urgent panel.
    assert "Log a call" not in page[page.index(f'id="flag-{medium.id}"'):]

    response = post_form(browser, f"/practice/flags/{urgent.id}/calls", {
        f"call-{urgent.id}-callee": "client", f"call-{urgent.id}-outcome": "no_answer"})
    assert response.status_code == 302
    response = post_form(browser, f"/practice/flags/{urgent.id}/calls", {
        f"call-{urgent.id}-callee": f"member-{gp.id}", f"call-{urgent.id}-outcome": "reached",
        f"call-{urgent.id}-note": "GP visits her today."})
    assert response.status_code == 302
    calls = db.session.scalars(sa.select(ContactAttempt).order_by(ContactAttempt.id)).all()
    assert [(c.callee, c.outcome, c.caller_id) for c in calls] == [
        (f"{client.full_name} herself", "no_answer", practitioner.id),
        ("GP (huisarts): Dr. Bakker", "reached", practitioner.id),
    ]
    page = text_of(browser.get(f"/practice/clients/{client.id}"))
    assert f"{practitioner.full_name} called GP (huisarts): Dr. Bakker" in page
    assert "GP visits her today." in page
    assert actions_for(client).count("contact_attempt_recorded") == 2


@pytest.mark.parametrize(
    ("callee", "outcome", "message"),
    [
        ("member-999999", "reached", "Not a valid choice."),
        ("client", "reached", "Not a valid choice."),  # she has no phone number
        ("other", "shouted", "Not a valid choice."),
        ("", "reached", "This field is required."),
    ],
)
def test_a_bad_call_is_refused(login_as, make, callee, outcome, message):
    browser, practitioner = login_as("practitioner")
    english(practitioner)
    client = make.client(practitioner=practitioner)
    flag = add_flag(client)
    response = post_form(browser, f"/practice/flags/{flag.id}/calls", {
        f"call-{flag.id}-callee": callee, f"call-{flag.id}-outcome": outcome})
    assert response.status_code == 422
    assert message in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactAttempt)) == 0


# --- the admin ----------------------------------------------------------------------------


def test_the_admin_corrects_her_details(login_as, make):
    browser, admin = login_as("admin")
    english(admin)
    client = make.client()
    assert browser.get(f"/admin/users/{client.id}/contact").status_code == 200
    response = post_form(browser, f"/admin/users/{client.id}/contact",
                         {"contact-phone": "06 1234 5678"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, client.id).profile.phone == "+31612345678"
    assert "contact_details_changed" in actions_for(client)
    response = post_form(browser, f"/admin/users/{client.id}/contact", {"contact-phone": "x"})
    assert response.status_code == 422
    # Only clients have contact details here.
    assert browser.get(f"/admin/users/{admin.id}/contact").status_code == 404


def test_the_urgent_protocol_is_limited_and_logged(login_as):
    browser, admin = login_as("admin")
    english(admin)
    response = post_form(browser, "/admin/urgent-protocol", {"text": "x" * 4001})
    assert response.status_code == 422
    assert "Field cannot be longer than 4000 characters." in text_of(response)
    post_form(browser, "/admin/urgent-protocol", {"text": "Call within the hour."})
    assert "Call within the hour." in text_of(browser.get("/admin/urgent-protocol"))
    assert db.session.scalar(sa.select(AuditEvent.actor_id).where(
        AuditEvent.action == "urgent_protocol_changed")) == admin.id
