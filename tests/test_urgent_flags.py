"""Escalation reaches someone who can act: the admin's page of urgent flags and reassignment."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from config import Config
from portal.extensions import db
from portal.flags import LEVEL_RANK
from portal.models import AuditEvent, Flag, User
from tests.conftest import post_form

NOW = datetime.now(UTC)
PAGE = "/admin/flags"


def add_flag(client: User, rule: str, level: str, hours_ago: float, **fields) -> Flag:
    flag = Flag(
        client_id=client.id,
        rule=rule,
        level=level,
        level_rank=LEVEL_RANK[level],
        evidence=fields.pop(
            "evidence", {"total": 17, "item_10": 2, "response_id": 1, "submitted_on": "2026-11-01"}
        ),
        raised_at=NOW - timedelta(hours=hours_ago),
        **fields,
    )
    db.session.add(flag)
    db.session.commit()
    return flag


@pytest.fixture
def practice(make, login_as):
    """An admin (signed in, reading English), two practitioners and their clients."""
    test_client, admin = login_as("admin")
    admin.locale = "en"
    petra = make.practitioner(name="Petra Practitioner")
    quinn = make.practitioner(name="Quinn Colleague")
    sophie = make.client(practitioner=petra, name="Sophie de Groot")
    mila = make.client(practitioner=petra, name="Mila Mother")
    db.session.commit()
    return test_client, admin, petra, quinn, sophie, mila


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-flag="\d+"[^>]*>(.*?)</tr>', html, re.S)


def test_the_admin_sees_open_urgent_flags_without_health_detail(practice):
    test_client, _admin, petra, _quinn, sophie, mila = practice
    overdue = add_flag(sophie, "safety", "urgent", 6, escalated_at=NOW - timedelta(hours=1))
    add_flag(mila, "safety", "urgent", 1)
    add_flag(mila, "epds_high", "high", 1)  # not urgent: hers to see, not the admin's
    add_flag(
        mila, "safety", "urgent", 50, acknowledged_at=NOW, acknowledgement_note="Called her."
    )
    response = test_client.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    listed = rows(html)
    assert len(listed) == 2
    oldest = listed[0]  # the flag open longest comes first
    assert "Sophie de Groot" in oldest and f"client {sophie.id}" in oldest
    assert "Petra Practitioner" in oldest
    assert "EPDS item 10 ≥ 1 (thoughts of harming herself)" in oldest
    assert "Overdue" in oldest and "Escalated" in oldest
    assert f'data-flag="{overdue.id}"' in html
    assert "Not yet" in listed[1]
    # The rule's name and nothing more: no scores, no answers, no notes.
    # When it was raised is shown, and a time such as 17:32 or a date such as 17 November may
    # hold the total's digits: read the rows without their moments.
    words = re.sub(r"\d{1,2}:\d{2}|\d{1,2} [A-Za-z]+ \d{4}|\d{4}-\d{2}-\d{2}", "", "".join(listed))
    for detail in ("17", "item 10 scored", "Called her", "total"):
        assert detail not in words


def test_the_page_is_linked_from_the_admins_home_page(practice):
    test_client, _admin, _petra, _quinn, sophie, _mila = practice
    add_flag(sophie, "safety", "urgent", 1)
    home = test_client.get("/admin/").get_data(as_text=True)
    assert f'href="{PAGE}"' in home and "Urgent flags (1)" in home


def test_the_admin_hands_the_client_to_another_practitioner(practice, outbox, login_as):
    test_client, _admin, petra, quinn, sophie, _mila = practice
    add_flag(sophie, "safety", "urgent", 6)
    response = post_form(
        test_client,
        f"/admin/flags/clients/{sophie.id}/practitioner",
        {"practitioner_id": str(quinn.id)},
        token_from=PAGE,
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    db.session.expire_all()
    assert db.session.get(User, sophie.id).profile.practitioner_id == quinn.id
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "practitioner_assigned")
    )
    assert event.client_id == sophie.id
    # Quinn is told there is an urgent flag, and finds it at the top of her dashboard.
    mail = next(m for m in outbox if m.to == (quinn.email,))
    assert "urgent" in mail.subject.lower()
    quinn_client, _quinn = login_as(user=quinn)
    dashboard = quinn_client.get("/practice/").get_data(as_text=True)
    assert "Sophie de Groot" in dashboard and 'class="badge urgent"' in dashboard
    petra_client, _petra = login_as(user=petra)
    assert petra_client.get(f"/practice/clients/{sophie.id}").status_code == 404


@pytest.mark.parametrize("choice", ["0", "abc", "", "admin", "inactive", "client"])
def test_reassigning_to_no_one_who_can_act_is_refused(practice, make, choice):
    test_client, admin, petra, _quinn, sophie, mila = practice
    add_flag(sophie, "safety", "urgent", 6)
    inactive = make.practitioner(name="Former Colleague")
    inactive.active = False
    db.session.commit()
    value = {"admin": admin.id, "inactive": inactive.id, "client": mila.id}.get(choice, choice)
    response = post_form(
        test_client,
        f"/admin/flags/clients/{sophie.id}/practitioner",
        {"practitioner_id": str(value)},
        token_from=PAGE,
    )
    assert response.status_code == 422
    assert "Choose a practitioner" in response.get_data(as_text=True) or (
        "Not a valid choice" in response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(User, sophie.id).profile.practitioner_id == petra.id


def test_reassigning_someone_who_is_not_a_client_is_404(practice):
    test_client, _admin, petra, quinn, _sophie, _mila = practice
    response = post_form(
        test_client,
        f"/admin/flags/clients/{petra.id}/practitioner",
        {"practitioner_id": str(quinn.id)},
        token_from=PAGE,
    )
    assert response.status_code == 404


def test_clients_without_an_active_practitioner_and_an_open_flag_are_listed(practice):
    test_client, _admin, petra, _quinn, sophie, mila = practice
    sophie.profile.practitioner_id = None
    petra.active = False
    db.session.commit()
    add_flag(sophie, "low_mood", "medium", 30)
    add_flag(mila, "silent", "low", 30)
    html = test_client.get(PAGE).get_data(as_text=True)
    section = html.split('id="unassigned"', 1)[1]
    assert "Sophie de Groot" in section and "Mila Mother" in section
    assert "mood ≤ 2 on 3 of 5 days" in section and "no check-in for 4 days" in section


def test_escalation_waits_four_hours_by_default_and_links_to_the_page(app, make, outbox, runner):
    assert Config.URGENT_ESCALATION_HOURS == app.config["URGENT_ESCALATION_HOURS"] == 4
    admin = make.admin()
    mother = make.client(practitioner=make.practitioner())
    flag = add_flag(mother, "safety", "urgent", 3.5)
    assert "0 urgent" in runner.invoke(args=["escalate-flags"]).output
    flag.raised_at = NOW - timedelta(hours=4, minutes=5)
    db.session.commit()
    assert "1 urgent" in runner.invoke(args=["escalate-flags"]).output
    mail = next(m for m in outbox if m.to == (admin.email,))
    assert "/admin/flags" in mail.body
    assert mother.full_name not in mail.body


def test_an_urgent_flag_without_a_practitioner_sends_the_admins_to_the_page(make, outbox):
    from portal import flag_service

    admin = make.admin()
    mother = make.client(name="Noor Mulder")
    flag = add_flag(mother, "safety", "urgent", 0)
    flag_service.notify_practitioner(mother, [flag])
    db.session.commit()
    mail = next(m for m in outbox if m.to == (admin.email,))
    assert "/admin/flags" in mail.body
    assert "Noor Mulder" not in mail.body
