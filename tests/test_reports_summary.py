"""build_summary on a real database: averages and change, periods, versions, bounded queries."""

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Assignment, InstrumentText
from portal.questionnaires.instruments import DEFINITIONS_DIR
from portal.reports.summary import build_summary, summary_charts, summary_for_header
from tests.test_reports_factory import (
    add_checkin,
    add_flag,
    add_module,
    add_note,
    add_response,
    at_noon,
    complete,
    fill_client,
)

START = date(2026, 10, 1)
END = date(2026, 10, 7)


@pytest.fixture
def mother(make):
    return make.client(practitioner=make.practitioner(), name="Sanne de Vries")


def summary(client, start=START, end=END, **kwargs):
    kwargs.setdefault("locale", "en")
    return build_summary(client, start, end, **kwargs)


class QueryCounter:
    """Count the SQL queries the engine runs (not SQLite's explicit BEGIN)."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _count(self, _conn, _cursor, statement, *args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.count += 1

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


def test_averages_with_change_against_the_week_before(mother):
    for offset, mood in enumerate([2, 3, 3, 4]):  # this week: mean 3.0
        add_checkin(mother, START + timedelta(days=offset), mood=mood, sleep_hours=6.25)
    add_checkin(mother, START - timedelta(days=1), mood=2, sleep_hours=5)  # the week before
    add_checkin(mother, START - timedelta(days=7), mood=3, sleep_hours=5.5)  # mean 2.5
    add_checkin(mother, START - timedelta(days=8), mood=5)  # outside both periods
    add_checkin(mother, END + timedelta(days=1), mood=5)  # after the period
    db.session.commit()

    result = summary(mother)

    mood = result.average("mood")
    assert (mood.value, mood.previous, mood.change) == (
        Decimal("3.0"),
        Decimal("2.5"),
        Decimal("0.5"),
    )
    assert (mood.value_text, mood.previous_text, mood.change_text) == ("3.0", "2.5", "+0.5")
    assert mood.change_words == "higher"
    sleep = result.average("sleep_hours")
    assert (sleep.value_text, sleep.previous_text, sleep.change_text) == ("6.3", "5.3", "+1.0")
    tension = result.average("tension")
    assert (tension.value, tension.previous, tension.change) == (None, None, None)
    assert tension.value_text == "–" and tension.change_words == "no comparison"
    assert result.days_logged == 4 and not result.is_sparse
    assert result.series["mood"] == (2.0, 3.0, 3.0, 4.0, None, None, None)
    assert result.days == tuple(START + timedelta(days=offset) for offset in range(7))


def test_change_is_taken_between_the_shown_rounded_values(mother):
    # Now 6.25 -> "6.3" (half up, not half even); before 6.125 -> "6.1": the change shows
    # "+0.2", the difference of what she reads, not the 0.125 -> "+0.1" of the raw means.
    for offset, hours in enumerate([6.25, 6.25]):
        add_checkin(mother, START + timedelta(days=offset), sleep_hours=hours)
    for offset, hours in enumerate([6.0, 6.25]):
        add_checkin(mother, START - timedelta(days=1 + offset), sleep_hours=hours)
    db.session.commit()
    sleep = summary(mother).average("sleep_hours")
    assert (sleep.value_text, sleep.previous_text, sleep.change_text) == ("6.3", "6.1", "+0.2")


def test_dutch_numbers_and_words(mother):
    add_checkin(mother, START, mood=3, sleep_hours=6.5)
    add_checkin(mother, START + timedelta(days=1), mood=4, sleep_hours=7)
    add_checkin(mother, START - timedelta(days=2), mood=4)
    db.session.commit()
    result = summary(mother, locale="nl")
    assert result.average("mood").value_text == "3,5"
    assert result.average("mood").change_text == "-0,5"
    assert result.average("sleep_hours").value_text == "6,8"
    assert result.period_text.startswith("1 oktober 2026")
    assert result.delivery_date_text == "1 oktober 2026"
    assert result.locale == "nl"


def test_a_sparse_period_draws_no_charts(mother):
    add_checkin(mother, START, mood=3)
    db.session.commit()
    one_day = summary(mother)
    assert one_day.is_sparse and one_day.days_logged == 1
    assert summary_charts(one_day) == ()
    empty = summary(mother, date(2026, 9, 1), date(2026, 9, 7))
    assert empty.is_empty and empty.is_sparse
    assert all(average.value is None for average in empty.averages)


def test_charts_use_the_summary_series(mother):
    for offset in range(7):
        add_checkin(mother, START + timedelta(days=offset), mood=3, tension=2, sleep_hours=13.5)
    db.session.commit()
    scales, sleep = summary_charts(summary(mother))
    assert scales.alt.startswith("Mood, tension, energy and bonding (1 to 5)")
    assert "Mood stayed around 3.0" in scales.alt
    assert sleep.svg.startswith("<svg") and "Sleep" in sleep.alt
    assert scales.data_uri().startswith("data:image/svg+xml,%3Csvg")


def test_profile_facts_and_weeks_postpartum(mother, app):
    app.config["PRACTICE_NAME"] = "Praktijk Zon"
    result = summary(mother, date(2026, 10, 23), date(2026, 10, 29))
    assert result.client_name == "Sanne de Vries"
    assert result.practice_name == "Praktijk Zon"
    assert result.delivery_type_text == "Induced with synthetic oxytocin"
    assert result.weeks_postpartum == 4  # delivered 1 October, period ends 29 October
    assert result.practice_logo is None


def test_practice_logo_only_from_inside_static(mother, app):
    app.config["PRACTICE_LOGO"] = "favicon.svg"
    if (Path(app.static_folder) / "favicon.svg").is_file():
        assert summary(mother).practice_logo == "favicon.svg"
    app.config["PRACTICE_LOGO"] = "vendor/fonts/dejavu-sans/LICENSE"
    assert summary(mother).practice_logo == "vendor/fonts/dejavu-sans/LICENSE"
    for outside in ("../config.py", "/etc/passwd", "missing.png"):
        app.config["PRACTICE_LOGO"] = outside
        assert summary(mother).practice_logo is None


def test_questionnaires_in_the_period_with_bands_and_licence(mother):
    add_response(mother, "epds", [1, 1, 2, 1, 1, 2, 1, 1, 1, 1], START + timedelta(days=2))  # 12
    add_response(mother, "gad7", [2, 2, 2, 2, 2, 1, 1], START + timedelta(days=3))  # 12
    add_response(mother, "gad7", [0, 0, 0, 0, 0, 0, 0], START - timedelta(days=1))  # before
    db.session.commit()

    client_version = summary(mother)
    epds, gad7 = client_version.questionnaires
    assert (epds.instrument, epds.total, epds.max_total) == ("epds", 12, 30)
    assert epds.submitted_on == START + timedelta(days=2)
    assert (gad7.total, gad7.band_key) == (12, "moderate")
    assert gad7.band_label == (
        "Quite a few complaints of worry or tension – please contact your practitioner"
    )
    assert gad7.contact_practitioner and gad7.band_meaning
    # Item 10 scored 1: her headline says so, whatever the total.
    assert epds.safety_answer
    assert epds.band_label == "One answer about harming yourself – please talk about it"
    assert epds.subscales == ()  # EPDS-3A is for the practitioner only
    licences = {source.key: source.licence for source in client_version.instruments}
    assert "Royal College of Psychiatrists" in licences["epds"]
    assert "Pfizer" in licences["gad7"]

    practitioner_version = summary(mother, audience="practitioner")
    staff_epds, staff_gad7 = practitioner_version.questionnaires
    label, value, maximum, _note = staff_epds.subscales[0]
    assert (value, maximum) == (4, 9) and "3A" in label
    assert staff_epds.band_label == (
        "EPDS 12 – item 10 (thoughts of harming herself) scored 1"
    )
    assert staff_gad7.band_label == "GAD-7 12 – moderate (10–14): follow-up from 10"
    # The Dutch wording of these labels arrives with the merged catalogue (i18n/signals.po).
    dutch = summary(mother, locale="nl").questionnaires[1]
    assert dutch.band_label and dutch.band_meaning.startswith("Uw antwoorden")


def test_the_practices_licensed_wording_adds_its_licence_line(mother):
    definition = json.loads((DEFINITIONS_DIR / "licensed-example.json").read_text(encoding="utf-8"))
    db.session.add(InstrumentText(instrument="epds", locale="nl", definition=definition))
    add_response(mother, "epds", [0] * 10, START)
    db.session.commit()
    (source,) = summary(mother, locale="nl").instruments
    assert source.wording_licence == definition["licence"]
    assert summary(mother, locale="en").instruments[0].wording_licence is None


def test_a_response_late_in_the_evening_counts_on_her_local_day(mother):
    # 23:30 in Amsterdam on 7 October is 21:30 UTC: inside the period ending 7 October.
    late = add_response(mother, "gad7", [0] * 7, END)
    late.submitted_at = datetime.combine(END, time(21, 30), tzinfo=UTC)
    early = add_response(mother, "gad7", [0] * 7, START)
    early.submitted_at = datetime.combine(START, time(0, 30), tzinfo=UTC) - timedelta(hours=2)
    db.session.commit()
    assert len(summary(mother).questionnaires) == 2
    assert summary(mother, END + timedelta(days=1), END + timedelta(days=1)).questionnaires == ()


def test_flags_for_the_client_are_counts_in_safe_words(mother, make):
    practitioner = mother.profile.practitioner
    add_flag(
        mother,
        "safety",
        "urgent",
        START + timedelta(days=1),
        evidence={"total": 14, "item_10": 2, "response_id": 7, "submitted_on": "2026-10-02"},
        acknowledged_at=at_noon(START + timedelta(days=1)),
        acknowledged_by_id=practitioner.id,
        acknowledgement_note="Spoke with her and her GP the same afternoon.",
    )
    add_flag(
        mother,
        "worsening",
        "low",
        START - timedelta(days=10),
        acknowledged_at=at_noon(START + timedelta(days=2)),
        acknowledged_by_id=practitioner.id,
        acknowledgement_note="Discussed.",
    )
    add_flag(mother, "short_sleep", "medium", END, evidence={"mean_sleep_hours": 4.25})
    add_flag(
        mother,
        "silent",
        "low",
        START - timedelta(days=20),
        acknowledged_at=at_noon(START - timedelta(days=19)),
    )
    db.session.commit()

    client_version = summary(mother)
    flags = client_version.flags
    assert (flags.raised, flags.acknowledged, flags.still_open) == (2, 2, 1)
    assert flags.wording == (
        "2 signals were discussed with your practitioner.",
        "Your practitioner has been told about 1 signal and will look at it.",
    )
    assert flags.details == ()

    details = summary(mother, audience="practitioner").flags.details
    assert [flag.rule for flag in details] == ["worsening", "safety", "short_sleep"]
    safety = details[1]
    assert safety.rule_label == "EPDS item 10 ≥ 1 (thoughts of harming herself)"
    assert safety.level_label == "Urgent"
    # The same sentence as the client page, with its date; no internal ids.
    assert safety.evidence == (
        "EPDS of Oct 2, 2026: item 10 (thoughts of harming herself) scored 2; total 14."
    )
    assert safety.acknowledged_by == practitioner.full_name
    assert safety.acknowledgement_note == "Spoke with her and her GP the same afternoon."
    # Evidence of a shape no sentence covers still reads as named values.
    assert details[2].status_text == "Open"
    assert details[2].evidence == "Average sleep (hours): 4.25"


def test_activities_done_most_top_five(mother):
    plan = [
        ["walk_outside", "hug", "pet"],
        ["walk_outside", "hug", "breathing"],
        ["walk_outside", "meditation", "fibre_meal", "fermented_food"],
        ["walk_outside", "safe_company", "laughing_singing", "walk_outside"],
    ]
    for offset, activities in enumerate(plan):
        add_checkin(mother, START + timedelta(days=offset), activities=activities)
    db.session.commit()
    activities = summary(mother).activities
    assert [(a.key, a.count) for a in activities] == [
        ("walk_outside", 4),  # counted once per day
        ("hug", 2),
        ("safe_company", 1),  # ties keep the check-in form's order
        ("laughing_singing", 1),
        ("breathing", 1),
    ]
    assert activities[0].label == "A walk outside"


def test_guidance_progress_by_the_end_of_the_period(mother):
    sleep = add_module("sleep", {"en": "Sleep with a newborn", "nl": "Slapen met een baby"}, 3, 1)
    bonding = add_module("bonding", {"nl": "Hechting"}, 2, 0)
    unassigned = add_module("gut", {"en": "Gut health"}, 2, 2)
    later = add_module("help", {"en": "When to ask for help"}, 2, 3)
    for module, day in (
        (sleep, START),
        (bonding, START - timedelta(days=30)),
        (later, END + timedelta(days=3)),
    ):
        db.session.add(
            Assignment(client_id=mother.id, module_id=module.id, assigned_at=at_noon(day))
        )
    complete(mother, sleep.lessons[0], START - timedelta(days=1))
    complete(mother, sleep.lessons[1], START + timedelta(days=1))
    complete(mother, sleep.lessons[2], END + timedelta(days=1))  # after the period
    complete(mother, bonding.lessons[0], START)
    complete(mother, bonding.lessons[1], START + timedelta(days=2))
    complete(mother, unassigned.lessons[0], START)
    db.session.commit()

    guidance = summary(mother).guidance
    assert [(m.title, m.lessons_done, m.lessons_total, m.done_in_period) for m in guidance] == [
        ("Hechting", 2, 2, 2),  # no English title: the Dutch one
        ("Sleep with a newborn", 2, 3, 1),
    ]
    assert guidance[0].is_done and not guidance[1].is_done
    assert summary(mother, locale="nl").guidance[1].title == "Slapen met een baby"


def test_notes_shared_for_the_client_all_for_the_practitioner(mother):
    practitioner = mother.profile.practitioner
    add_note(mother, practitioner, "Shared tip", START + timedelta(days=1), shared=True)
    add_note(mother, practitioner, "Private worry", START + timedelta(days=2), shared=False)
    withdrawn = add_note(mother, practitioner, "Withdrawn remark", START, shared=True)
    withdrawn.withdrawn_at = at_noon(START + timedelta(days=1))
    add_note(mother, practitioner, "Older note", START - timedelta(days=3), shared=True)
    db.session.commit()

    client_notes = summary(mother).notes
    assert [note.body for note in client_notes] == ["Shared tip"]
    assert client_notes[0].author == practitioner.full_name
    practitioner_notes = summary(mother, audience="practitioner").notes
    assert [(note.body, note.shared) for note in practitioner_notes] == [
        ("Shared tip", True),
        ("Private worry", False),
    ]


def test_the_number_of_queries_does_not_grow_with_the_data(make, app):
    small = make.client(practitioner=make.practitioner())
    add_checkin(small, START, mood=3)
    db.session.commit()
    full = fill_client(make, days=90)
    db.session.expire_all()

    with QueryCounter(db.engine) as few:
        summary(small, audience="practitioner")
    with QueryCounter(db.engine) as many:
        result = summary(
            full.client, full.today - timedelta(days=89), full.today, audience="practitioner"
        )
    assert result.days_logged == 90 and len(result.notes) == 26 and len(result.flags.details) == 6
    # Ten: one of them reads which findings she was shown in the last 14 days.
    assert many.count <= 10
    assert few.count == many.count


def test_header_summary_is_the_practitioners_last_30_days(make, app):
    full = fill_client(make, days=30)
    with app.test_request_context():
        result = summary_for_header(full.client)
    assert result.audience == "practitioner"
    assert result.period.days == 30 and result.period.end == full.today
    assert result.days_logged == 30


def test_unknown_audience_and_reversed_period_are_programming_errors(mother):
    with pytest.raises(ValueError):
        summary(mother, audience="admin")
    with pytest.raises(ValueError):
        summary(mother, END, START)
