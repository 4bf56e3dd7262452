"""Data for the progress summary tests and benchmark: a client with full days, and its check."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from portal.dates import local_today
from portal.extensions import db
from portal.models import (
    ACTIVITIES,
    Assignment,
    CheckIn,
    Flag,
    Lesson,
    LessonProgress,
    LessonText,
    Module,
    ModuleText,
    Note,
    QuestionnaireResponse,
    User,
)
from portal.models.flags import LEVEL_RANK
from portal.questionnaires.instruments import load_instrument, score


def at_noon(day: date) -> datetime:
    """Return noon UTC of a day (13:00 or 14:00 in Amsterdam: the same calendar day)."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def add_checkin(client: User, day: date, **values) -> CheckIn:
    """Add one check-in; mood 3 unless given."""
    values.setdefault("mood", 3)
    checkin = CheckIn(client_id=client.id, day=day, **values)
    db.session.add(checkin)
    return checkin


def full_day(index: int) -> dict:
    """Return every field of a check-in, varying with the day's index."""
    return dict(
        mood=1 + index % 5,
        tension=1 + (index * 2) % 5,
        energy=1 + (index * 3) % 5,
        bonding=2 + index % 4,
        sleep_hours=4 + (index % 9) * 0.5,
        night_wakings=index % 4,
        sleep_quality=1 + (index + 1) % 5,
        skin_to_skin_minutes=(index % 4) * 15,
        activities=[ACTIVITIES[(index + offset) % len(ACTIVITIES)] for offset in range(3)],
        note=f"Day {index}: a calm afternoon.",
    )


def add_response(client: User, key: str, item_scores: list[int], day: date):
    """Add a scored questionnaire response submitted at noon of a day."""
    instrument = load_instrument(key)
    answers = {
        item.id: item.scores.index(points)
        for item, points in zip(instrument.items, item_scores, strict=True)
    }
    result = score(instrument, answers)
    response = QuestionnaireResponse(
        client_id=client.id,
        instrument=key,
        answers=answers,
        item_scores=list(result.item_scores),
        total=result.total,
        subscales=dict(result.subscales),
        band=result.band.key,
        safety=result.safety,
        locale="nl",
        submitted_at=at_noon(day),
    )
    db.session.add(response)
    return response


def add_flag(client: User, rule: str, level: str, day: date, **fields) -> Flag:
    """Add a flag raised at noon of a day."""
    flag = Flag(
        client_id=client.id,
        rule=rule,
        level=level,
        level_rank=LEVEL_RANK[level],
        evidence=fields.pop("evidence", {}),
        raised_at=at_noon(day),
        **fields,
    )
    db.session.add(flag)
    return flag


def add_note(client: User, author: User | None, body: str, day: date, shared: bool) -> Note:
    """Add a practitioner's note written at noon of a day."""
    note = Note(
        client_id=client.id,
        author_id=author.id if author else None,
        body=body,
        shared=shared,
        created_at=at_noon(day),
        updated_at=at_noon(day),
    )
    db.session.add(note)
    return note


def add_module(slug: str, titles: dict[str, str], lessons: int, position: int = 0) -> Module:
    """Add a published module with its titles and some published lessons."""
    module = Module(slug=slug, position=position, published=True)
    module.texts = [ModuleText(locale=loc, title=title) for loc, title in titles.items()]
    module.lessons = [
        Lesson(
            slug=f"lesson-{number}",
            position=number,
            texts=[LessonText(locale="en", title=f"Lesson {number}", body="Text.")],
        )
        for number in range(1, lessons + 1)
    ]
    db.session.add(module)
    db.session.flush()
    return module


def complete(client: User, lesson: Lesson, day: date) -> None:
    """Mark a lesson done at noon of a day."""
    db.session.add(
        LessonProgress(client_id=client.id, lesson_id=lesson.id, completed_at=at_noon(day))
    )


@dataclass
class FullClient:
    """What ``fill_client`` made, for assertions."""

    client: User
    practitioner: User
    today: date


def fill_client(make, days: int = 90, name: str = "Eva de Boer") -> FullClient:
    """Make a client with every field logged on each of the last ``days`` days (and before).

    Also: an EPDS and a GAD-7 every two weeks, acknowledged and open flags, shared and
    private notes every week, three assigned modules with lessons partly done.
    """
    practitioner = make.practitioner(name="Marieke van Dijk")
    client = make.client(practitioner=practitioner, name=name, delivery_date=date(2026, 6, 1))
    today = local_today(client.timezone)
    for index in range(days * 2):  # this period and the one before, for the change
        add_checkin(client, today - timedelta(days=index), **full_day(index))
    for index, days_ago in enumerate(range(3, days, 14)):
        add_response(
            client, "epds", [1, 1, 1, 1, 1, 1, 1, index % 3, 1, 0], today - timedelta(days_ago)
        )
        add_response(client, "gad7", [1, 2, 1, 1, 2, 1, index % 3], today - timedelta(days_ago))
    for days_ago in range(5, days, 20):
        add_flag(
            client,
            "low_mood",
            "medium",
            today - timedelta(days=days_ago),
            evidence={"streak": 3, "days": ["2026-10-01", "2026-10-02"], "moods": [2, 1]},
            acknowledged_at=at_noon(today - timedelta(days=days_ago - 1)),
            acknowledged_by_id=practitioner.id,
            acknowledgement_note="Called her; she is seeing her GP.",
        )
    add_flag(
        client,
        "short_sleep",
        "medium",
        today - timedelta(days=1),
        evidence={"mean_sleep_hours": 4.5},
    )
    for days_ago in range(2, days, 7):
        day = today - timedelta(days=days_ago)
        add_note(client, practitioner, "Shared: keep up the evening walks.", day, shared=True)
        add_note(client, practitioner, "Private: ask about support at home.", day, shared=False)
    for position, slug in enumerate(("sleep", "bonding", "stress")):
        module = add_module(
            slug,
            {"en": f"Module {slug}", "nl": f"Module {slug} (nl)"},
            lessons=4,
            position=position,
        )
        db.session.add(
            Assignment(
                client_id=client.id,
                module_id=module.id,
                assigned_by_id=practitioner.id,
                assigned_at=at_noon(today - timedelta(days=days)),
            )
        )
        for lesson in module.lessons[: position + 2]:
            complete(client, lesson, today - timedelta(days=10))
    db.session.commit()
    return FullClient(client, practitioner, today)


def test_fill_client_logs_both_periods_in_full(make):
    made = fill_client(make, days=7)
    count = db.session.scalar(
        sa.select(sa.func.count(CheckIn.id)).where(CheckIn.client_id == made.client.id)
    )
    assert count == 14
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 3
