"""One alert per event: the flags one submission raises are handled together, once."""

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Flag
from portal.questionnaires.instruments import load_instrument
from portal.questionnaires.services import submit
from tests.conftest import post_form


def submit_epds(client, scores):
    instrument = load_instrument("epds")
    answers = {i.id: i.scores.index(s) for i, s in zip(instrument.items, scores, strict=True)}
    response, news = submit(client, "epds", answers, "nl")
    db.session.commit()
    return response, news


def flags_of(client):
    return list(db.session.scalars(sa.select(Flag).where(Flag.client_id == client.id)))


def test_one_epds_with_item_10_and_a_high_total_is_one_alert_acknowledged_once(login_as, make):
    test_client, practitioner = login_as("practitioner")
    practitioner.locale = "en"
    mother = make.client(practitioner=practitioner, name="Fleur Jansen")
    db.session.commit()
    submit_epds(mother, [2, 2, 2, 2, 2, 1, 1, 1, 1, 2])  # total 16, item 10 scored 2
    raised = flags_of(mother)
    assert {flag.rule for flag in raised} >= {"safety", "epds_high"}
    page = test_client.get(f"/practice/clients/{mother.id}").get_data(as_text=True)
    # One form to fill in, listing both reasons.
    forms = re.findall(r'action="/practice/flags/(\d+)/acknowledge"', page)
    assert len(forms) == 1
    alert = page[page.index('class="flag open alert'):]
    alert = alert[: alert.index("</form>")]
    reasons = alert[: alert.index("</ul>")]
    assert "EPDS item 10 ≥ 1" in reasons and "EPDS ≥ 13" in reasons, reasons
    lead = int(forms[0])
    response = post_form(
        test_client,
        f"/practice/flags/{lead}/acknowledge",
        {f"flag-{lead}-note": "Called her at once; GP today."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    for flag in flags_of(mother):
        # Every reason keeps its own row, acknowledged with the same note and time.
        assert flag.acknowledged_at is not None
        assert flag.acknowledgement_note == "Called her at once; GP today."
        assert flag.acknowledged_by_id == practitioner.id
    assert len({flag.acknowledged_at for flag in flags_of(mother)}) == 1
    page = test_client.get(f"/practice/clients/{mother.id}").get_data(as_text=True)
    assert "/acknowledge" not in page
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "flag_acknowledged")
    ).all()
    assert len(events) == 1 and events[0].client_id == mother.id


def test_flags_of_separate_events_stay_separate_alerts(login_as, make):
    test_client, practitioner = login_as("practitioner")
    mother = make.client(practitioner=practitioner)
    db.session.commit()
    submit_epds(mother, [0] * 9 + [1])  # item 10 only
    submit_epds(mother, [2, 2, 2, 2, 2, 1, 1, 1, 1, 0])  # later: high total, no item 10
    page = test_client.get(f"/practice/clients/{mother.id}").get_data(as_text=True)
    assert len(re.findall(r'action="/practice/flags/\d+/acknowledge"', page)) == 2


def test_the_urgent_mail_links_to_her_page_at_the_flag(make, outbox):
    practitioner = make.practitioner()
    mother = make.client(practitioner=practitioner)
    db.session.commit()
    submit_epds(mother, [0] * 9 + [2])
    [flag] = [flag for flag in flags_of(mother) if flag.level == "urgent"]
    [mail] = [m for m in outbox if m.to == (practitioner.email,)]
    assert f"/practice/clients/{mother.id}#flag-{flag.id}" in mail.body


def test_no_notice_about_what_the_practitioner_entered_herself_but_escalation_runs(
    make, outbox, runner
):
    from datetime import UTC, datetime, timedelta

    admin = make.admin()
    practitioner = make.practitioner()
    mother = make.client(practitioner=practitioner)
    db.session.commit()
    instrument = load_instrument("epds")
    scores = [0] * 9 + [2]
    answers = {i.id: i.scores.index(s) for i, s in zip(instrument.items, scores, strict=True)}
    submit(mother, "epds", answers, "nl", entered_by=practitioner)
    db.session.commit()
    assert [m for m in outbox if m.to == (practitioner.email,)] == []
    [flag] = [flag for flag in flags_of(mother) if flag.level == "urgent"]
    assert flag.is_open
    flag.raised_at = datetime.now(UTC) - timedelta(hours=25)
    db.session.commit()
    runner.invoke(args=["escalate-flags"])
    assert len([m for m in outbox if m.to == (admin.email,)]) == 1


def test_the_migration_groups_existing_flags_raised_together(app, make):
    from datetime import UTC, datetime, timedelta

    from flask_migrate import downgrade, upgrade

    from portal.flags import LEVEL_RANK

    mother = make.client(practitioner=make.practitioner())
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    for rule, level, raised in [("safety", "urgent", at), ("epds_high", "high", at),
                                ("low_mood", "medium", at + timedelta(days=1))]:
        db.session.add(Flag(client_id=mother.id, rule=rule, level=level, evidence={},
                            level_rank=LEVEL_RANK[level], raised_at=raised))
    db.session.commit()
    db.session.remove()
    downgrade(revision="0009")
    upgrade()
    keys = dict(db.session.execute(sa.select(Flag.rule, Flag.alert_key)).all())
    assert keys["safety"] and keys["safety"] == keys["epds_high"]
    assert keys["low_mood"] and keys["low_mood"] != keys["safety"]
