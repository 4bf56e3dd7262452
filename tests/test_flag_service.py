"""Flags in the database: raised, kept, cleared and raised again; notified and escalated."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal import flag_service
from portal.checkins.services import save_checkin
from portal.dates import local_today
from portal.extensions import db
from portal.models import Flag
from portal.questionnaires.services import submit


@pytest.fixture
def mother(make):
    return make.client(practitioner=make.practitioner())


def flags_of(client, rule=None) -> list[Flag]:
    query = sa.select(Flag).where(Flag.client_id == client.id).order_by(Flag.id)
    if rule:
        query = query.where(Flag.rule == rule)
    return list(db.session.scalars(query))


def log_moods(client, moods, end=None):
    end = end or local_today()
    for offset, mood in enumerate(reversed(moods)):
        save_checkin(client, end - timedelta(days=offset), {"mood": mood})
    db.session.commit()


def epds(client, item10: int, rest: int = 0):
    from portal.questionnaires.instruments import load_instrument

    instrument = load_instrument("epds")
    scores = [rest] * 9 + [item10]
    answers = {i.id: i.scores.index(s) for i, s in zip(instrument.items, scores, strict=True)}
    response, news = submit(client, "epds", answers, "nl")
    db.session.commit()
    return response, news


def test_low_mood_streak_raises_one_flag_and_upgrades_its_level(mother):
    log_moods(mother, [4, 2, 2, 2])
    [flag] = flags_of(mother, "low_mood")
    assert flag.level == "medium" and flag.is_open
    log_moods(mother, [4, 2, 2, 2, 2, 2])
    [flag] = flags_of(mother, "low_mood")
    assert flag.level == "high"
    assert flag.evidence["low_days"] == 5


def test_a_cleared_condition_closes_the_flag_and_a_return_raises_a_new_one(mother):
    log_moods(mother, [2, 2, 2], end=local_today() - timedelta(days=3))
    assert flags_of(mother, "low_mood")[0].is_open
    log_moods(mother, [4, 4, 4])  # 2 low of the last 5 logged days
    [old] = flags_of(mother, "low_mood")
    assert old.cleared_at is not None and not old.is_open
    # Three low days again, the good days overwritten: the condition returns.
    log_moods(mother, [2, 2, 2])
    rows = flags_of(mother, "low_mood")
    assert len(rows) == 2 and rows[-1].is_open


def test_acknowledged_while_persisting_is_not_raised_again(mother):
    log_moods(mother, [2, 2, 2], end=local_today() - timedelta(days=1))
    [flag] = flags_of(mother, "low_mood")
    flag.acknowledged_at = datetime.now(UTC)
    flag.acknowledgement_note = "Called her, she has support at home."
    db.session.commit()
    log_moods(mother, [2])
    assert len(flags_of(mother, "low_mood")) == 1


def test_a_new_safety_answer_after_acknowledgement_raises_a_new_urgent_flag(mother, outbox):
    epds(mother, item10=1)
    [first] = flags_of(mother, "safety")
    first.acknowledged_at = datetime.now(UTC)
    db.session.commit()
    epds(mother, item10=0)
    assert len(flags_of(mother, "safety")) == 1  # a calmer answer does not reopen anything
    epds(mother, item10=2)
    rows = flags_of(mother, "safety")
    assert len(rows) == 2 and rows[-1].is_open and rows[-1].level == "urgent"
    assert len([m for m in outbox if "urgent" in m.subject.lower() or "Urgent" in m.subject]) >= 2


def test_safety_flag_never_clears_by_itself(mother):
    epds(mother, item10=1)
    epds(mother, item10=0)
    [flag] = flags_of(mother, "safety")
    assert flag.is_open


def test_evaluating_twice_keeps_one_open_flag_per_rule(mother):
    log_moods(mother, [1, 1, 1])
    flag_service.evaluate_client(mother)
    flag_service.evaluate_client(mother)
    db.session.commit()
    assert len(flags_of(mother, "low_mood")) == 1


def test_silent_clients_are_found_by_the_daily_run(mother, runner):
    save_checkin(mother, local_today() - timedelta(days=5), {"mood": 4})
    db.session.commit()
    result = runner.invoke(args=["evaluate-flags"])
    assert result.exit_code == 0, result.output
    [flag] = flags_of(mother, "silent")
    assert flag.level == "low" and flag.evidence["days"] == 5


def test_unhandled_urgent_flag_is_escalated_to_the_admin_once(mother, make, outbox, runner):
    admin = make.admin()
    epds(mother, item10=1)
    flag = flags_of(mother, "safety")[0]
    result = runner.invoke(args=["escalate-flags"])
    assert "0 urgent" in result.output
    flag.raised_at = datetime.now(UTC) - timedelta(hours=25)
    db.session.commit()
    result = runner.invoke(args=["escalate-flags"])
    assert "1 urgent" in result.output
    to_admin = [m for m in outbox if m.to == (admin.email,)]
    assert len(to_admin) == 1
    assert mother.full_name not in to_admin[0].body  # no client details to the admin either
    runner.invoke(args=["escalate-flags"])
    assert len([m for m in outbox if m.to == (admin.email,)]) == 1


def test_an_acknowledged_urgent_flag_is_not_escalated(mother, make, outbox, runner):
    admin = make.admin()
    epds(mother, item10=1)
    flag = flags_of(mother, "safety")[0]
    flag.raised_at = datetime.now(UTC) - timedelta(hours=30)
    flag.acknowledged_at = datetime.now(UTC)
    db.session.commit()
    runner.invoke(args=["escalate-flags"])
    assert not [m for m in outbox if m.to == (admin.email,)]


def test_silence_ranks_medium_once_a_safety_answer_is_open(mother):
    save_checkin(mother, local_today() - timedelta(days=5), {"mood": 4})
    db.session.commit()
    [flag] = flags_of(mother, "silent")
    assert flag.level == "low"
    epds(mother, item10=1)  # the urgent flag rises in the same run as the silent one is kept
    [flag] = flags_of(mother, "silent")
    assert flag.level == "medium" and flag.level_rank == 2
    [urgent] = flags_of(mother, "safety")
    urgent.acknowledged_at = datetime.now(UTC)
    db.session.commit()
    flag_service.evaluate_client(mother)
    db.session.commit()
    assert flags_of(mother, "silent")[0].level == "low"


def test_short_sleep_in_the_first_weeks_raises_nothing(make):
    early = make.client(delivery_date=local_today() - timedelta(days=20))
    for offset in range(7):
        save_checkin(early, local_today() - timedelta(days=offset), {"mood": 3, "sleep_hours": 3})
    db.session.commit()
    assert flags_of(early, "short_sleep") == []


def test_thresholds_come_from_configuration(app, mother):
    app.config["FLAG_THRESHOLDS"] = {"low_mood_days": 2}
    log_moods(mother, [4, 2, 2])
    assert flags_of(mother, "low_mood")


# Questionnaire flags close only by acknowledgement (DOMAIN.md, Flags).


def answer(client, key: str, scores: list[int]):
    """Submit a questionnaire whose items score as given; return the response."""
    from portal.questionnaires.instruments import load_instrument

    instrument = load_instrument(key)
    answers = {i.id: i.scores.index(s) for i, s in zip(instrument.items, scores, strict=True)}
    response, _news = submit(client, key, answers, "nl")
    db.session.commit()
    return response


EPDS_14 = [2, 2, 2, 2, 2, 2, 1, 1, 0, 0]
EPDS_11 = [2, 2, 2, 2, 1, 1, 1, 0, 0, 0]
EPDS_6 = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
GAD7_16 = [3, 3, 2, 2, 2, 2, 2]
GAD7_12 = [2, 2, 2, 2, 2, 1, 1]
GAD7_0 = [0] * 7


def test_a_softer_epds_minutes_later_does_not_close_the_high_epds_flag(mother):
    first = answer(mother, "epds", EPDS_14)
    answer(mother, "epds", EPDS_6)
    [flag] = flags_of(mother, "epds_high")
    assert flag.is_open and flag.cleared_at is None
    assert flag.level == "high" and flag.evidence["total"] == 14
    assert flag.evidence["response_id"] == first.id


def test_a_softer_epds_does_not_close_a_raised_epds_flag(mother):
    answer(mother, "epds", EPDS_11)
    answer(mother, "epds", EPDS_6)
    [flag] = flags_of(mother, "epds_raised")
    assert flag.is_open and flag.evidence["total"] == 11


@pytest.mark.parametrize("later", [GAD7_0, GAD7_12])
def test_a_softer_gad7_neither_closes_nor_lowers_the_anxiety_flag(mother, later):
    answer(mother, "gad7", GAD7_16)
    answer(mother, "gad7", later)
    [flag] = flags_of(mother, "anxiety")
    assert flag.is_open and flag.level == "high" and flag.evidence["total"] == 16


def test_a_higher_gad7_raises_the_open_anxiety_flag_to_high(mother):
    answer(mother, "gad7", GAD7_12)
    later = answer(mother, "gad7", GAD7_16)
    [flag] = flags_of(mother, "anxiety")
    assert flag.is_open and flag.level == "high"
    assert flag.evidence["response_id"] == later.id


def test_an_acknowledged_epds_flag_is_raised_again_only_by_a_new_high_score(mother):
    answer(mother, "epds", EPDS_14)
    [flag] = flags_of(mother, "epds_high")
    flag.acknowledged_at = datetime.now(UTC)
    flag.acknowledgement_note = "Discussed; she has an appointment with her GP."
    db.session.commit()
    answer(mother, "epds", EPDS_6)
    assert len(flags_of(mother, "epds_high")) == 1
    answer(mother, "epds", EPDS_14)
    rows = flags_of(mother, "epds_high")
    assert len(rows) == 2 and rows[-1].is_open
