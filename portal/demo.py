"""The demo practice loaded by `flask seed-demo`: plausible data that trips every flag rule.

Deterministic (a seeded random generator, dates relative to today) and idempotent: when the
demo admin exists nothing is changed.
"""

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from portal import flag_service
from portal.appointments.slots import to_utc, working_days_ahead
from portal.auth import twofactor
from portal.auth.services import create_user, find_user_by_email, record_consent
from portal.careteam.services import set_urgent_protocol
from portal.dates import local_today
from portal.extensions import db
from portal.messages.services import send_message, thread_between
from portal.models import (
    ACTIVITIES,
    Appointment,
    CareTeamMember,
    CheckIn,
    QuestionnaireResponse,
    User,
    WeeklyHours,
)
from portal.questionnaires.instruments import load_instrument, score

DEMO_PASSWORD = "demo-password-2026"
DEMO_DAYS = 90
ADMIN_EMAIL = "admin@demo.test"
# The demo client whose tension is lower on the days she does a breathing exercise.
BREATHING_HELPS = 1


def _clamp(value: float, low: int = 1, high: int = 5) -> int:
    return max(low, min(high, round(value)))


# Each pattern maps "days ago" (89..0) to a (mood, tension, energy, bonding, sleep) baseline.
def _recovering(days_ago: int) -> tuple[float, float, float, float, float]:
    progress = (DEMO_DAYS - days_ago) / DEMO_DAYS
    return (
        2.4 + 1.6 * progress,
        3.8 - 1.5 * progress,
        2.2 + 1.5 * progress,
        3 + 1.5 * progress,
        5 + 2 * progress,
    )


def _low_mood(days_ago: int):
    if days_ago < 5:
        return 1.6, 4.2, 2, 3, 5.5
    return _recovering(days_ago)


def _short_sleep(days_ago: int):
    mood, tension, energy, bonding, _sleep = _recovering(days_ago)
    return mood, tension, energy - 0.5, bonding, 3.8 if days_ago < 10 else 5.5


def _bonding(days_ago: int):
    mood, tension, energy, _bonding, sleep = _recovering(days_ago)
    return mood, tension, energy, 1.6 if days_ago < 7 else 3, sleep


def _worsening(days_ago: int):
    if days_ago < 7:
        return 2.6, 3.6, 2.5, 3.5, 6
    return 4.1, 2.2, 3.5, 4, 6.5


def _steady(days_ago: int):
    return 3.6, 2.6, 3.2, 4.2, 6.5


# (number, name, practitioner index, pattern, last logged days ago, epds item scores, gad7 total)
CLIENTS: list[tuple[int, str, int, Callable, int, list[int] | None, int | None]] = [
    (1, "Sanne de Vries", 0, _recovering, 0, [1, 1, 1, 1, 1, 1, 1, 1, 2, 0], 6),
    (2, "Fleur Jansen", 0, _steady, 0, [1, 1, 2, 1, 1, 2, 1, 1, 1, 1], 8),
    (3, "Lotte Bakker", 0, _steady, 1, [2, 2, 2, 1, 1, 2, 1, 2, 2, 0], 9),
    (4, "Emma Visser", 0, _steady, 0, None, 16),
    (5, "Julia Smit", 0, _low_mood, 0, None, None),
    (6, "Anouk Meijer", 0, _short_sleep, 0, None, None),
    (7, "Eva de Boer", 0, _bonding, 0, None, None),
    (8, "Noor Mulder", 0, _worsening, 0, None, None),
    (9, "Sophie de Groot", 0, _steady, 6, None, None),
    (10, "Lisa Bos", 1, _recovering, 0, [0, 0, 1, 1, 0, 1, 0, 0, 1, 0], 3),
    (11, "Iris Vos", 1, _steady, 0, [1, 1, 1, 1, 1, 1, 1, 1, 1, 0], 4),
    (12, "Mila Peters", 1, _recovering, 2, None, None),
]


# Earlier questionnaires, so that the practitioner's score timelines have a history to show:
# client number -> (instrument, days ago, item scores). Client 1 improves (EPDS 15, 12, then
# 10: reliable since the first); client 2's EPDS rises reliably (7, then 12).
EARLIER_RESPONSES: dict[int, list[tuple[str, int, list[int]]]] = {
    1: [
        ("epds", 60, [2, 2, 2, 2, 2, 1, 1, 1, 2, 0]),
        ("epds", 30, [1, 1, 2, 2, 1, 1, 1, 1, 2, 0]),
        ("gad7", 60, [2, 2, 1, 2, 1, 1, 1]),
    ],
    2: [("epds", 35, [1, 1, 1, 1, 1, 1, 0, 0, 1, 0])],
}


# Her partner, as the emergency contact every demo client has.
PARTNERS = ("Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Noah", "Jesse", "Bram", "Luuk",
            "Thijs", "Ruben")
URGENT_PROTOCOL = (
    "1. Bel de cliënt zelf binnen een uur.\n"
    "2. Geen gehoor: bel de contactpersoon voor noodgevallen.\n"
    "3. Nog geen contact: bel haar huisarts (buiten kantoortijd de huisartsenpost) en vraag om "
    "een visite.\n"
    "4. Leg elke poging vast bij het signaal en overleg dezelfde dag met een collega."
)


def client_email(number: int) -> str:
    """Return the demo client's e-mail: client@demo.test, client2@demo.test, ..."""
    return "client@demo.test" if number == 1 else f"client{number}@demo.test"


def seed_demo(today: date | None = None) -> bool:
    """Create the demo practice; return False (and change nothing) if it already exists."""
    if find_user_by_email(ADMIN_EMAIL) is not None:
        return False
    today = today or date.today()
    rng = random.Random(2026)
    admin = create_user(ADMIN_EMAIL, "Anna Admin", "admin", DEMO_PASSWORD)
    practitioners = [
        create_user("practitioner@demo.test", "Marieke van Dijk", "practitioner", DEMO_PASSWORD),
        create_user("practitioner2@demo.test", "Thomas Hendriks", "practitioner", DEMO_PASSWORD),
    ]
    # Staff must use two-step sign-in; the demo staff share one documented authenticator key.
    for staff in (admin, *practitioners):
        twofactor.enable_with_secret(staff, twofactor.DEMO_SECRET)
    for number, name, who, pattern, last_days_ago, epds, gad7 in CLIENTS:
        client = create_user(
            client_email(number), name, "client", DEMO_PASSWORD, practitioner=practitioners[who]
        )
        profile = client.profile
        profile.delivery_date = today - timedelta(days=DEMO_DAYS + 10 + number * 3)
        profile.delivery_type = "induced_oxytocin" if number % 3 else "induced_other"
        profile.feeding = ("breast", "bottle", "both")[number % 3]
        profile.started_on = today - timedelta(days=DEMO_DAYS)
        profile.reminder_enabled = number % 2 == 0
        profile.reminder_time = time(20, 0)
        # Reachable, so the urgent flow can be shown: fictional numbers in the mobile range.
        profile.phone = f"+3161234{number:04d}"
        profile.emergency_contact_name = PARTNERS[(number - 1) % len(PARTNERS)]
        profile.emergency_contact_relation = "partner"
        profile.emergency_contact_phone = f"+3161235{number:04d}"
        db.session.add(
            CareTeamMember(
                client_id=client.id,
                role="huisarts",
                name="Huisartsenpraktijk De Linde",
                phone="+31301234567",
            )
        )
        record_consent(client, "Demo consent")
        _add_checkins(client, pattern, last_days_ago, today, rng)
        for key, days_ago, item_scores in EARLIER_RESPONSES.get(number, ()):
            _add_response(client, key, item_scores, today - timedelta(days=days_ago))
        if epds is not None:
            _add_response(client, "epds", epds, today - timedelta(days=1))
        if gad7 is not None:
            _add_response(client, "gad7", _spread(gad7, 7), today - timedelta(days=1))
    set_urgent_protocol(URGENT_PROTOCOL, admin)
    db.session.flush()
    _evaluate_flags()
    _add_conversations(practitioners[0])
    _add_opening_hours(practitioners)
    return True


def _add_opening_hours(practitioners: list[User]) -> None:
    """Give each practitioner weekly hours, and two clients an appointment this coming week."""
    for practitioner in practitioners:
        for weekday in range(5):
            db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday,
                                       starts_at=time(9), ends_at=time(12), length_minutes=50,
                                       kind="practice"))
        for weekday in (1, 3):
            db.session.add(WeeklyHours(practitioner_id=practitioner.id, weekday=weekday,
                                       starts_at=time(13), ends_at=time(16), length_minutes=30,
                                       kind="video"))
    today = local_today()
    for number, (days, clock) in {2: (2, time(9)), 3: (3, time(10, 40))}.items():
        client = find_user_by_email(client_email(number))
        starts = to_utc(working_days_ahead(today, days), clock)
        db.session.add(Appointment(client_id=client.id,
                                   practitioner_id=client.profile.practitioner_id,
                                   kind="practice", starts_at=starts,
                                   ends_at=starts + timedelta(minutes=50),
                                   booked_by_id=client.profile.practitioner_id))


def _add_conversations(practitioner: User) -> None:
    """Give client 1 an answered question and client 3 one that waits (for the waiting list)."""
    now = datetime.now(UTC)
    conversations = {
        1: [
            (True, "Mag ik de ademhalingsoefening ook 's nachts doen als ik wakker lig?", 30),
            (False, "Ja, dat mag zeker. Begin met twee rondes en kijk hoe het voelt.", 26),
        ],
        3: [(True, "Ik huil 's avonds vaak. Is dat normaal, zes weken na de bevalling?", 5)],
    }
    for number, lines in conversations.items():
        client = find_user_by_email(client_email(number))
        thread = thread_between(client, practitioner, create=True)
        for from_client, body, hours_ago in lines:
            sender = client if from_client else practitioner
            send_message(thread, sender, body, now=now - timedelta(hours=hours_ago))


def _add_checkins(
    client: User, pattern: Callable, last_days_ago: int, today: date, rng: random.Random
) -> None:
    for days_ago in range(DEMO_DAYS - 1, last_days_ago - 1, -1):
        if rng.random() < 0.08 and days_ago > 7:
            continue  # a forgotten day now and then
        mood, tension, energy, bonding, sleep = pattern(days_ago)
        # Drawn in this order for every client, so that the demo stays the same from run to run.
        values = dict(
            mood=_clamp(mood + rng.uniform(-0.6, 0.6)),
            tension=_clamp(tension + rng.uniform(-0.6, 0.6)),
            energy=_clamp(energy + rng.uniform(-0.6, 0.6)),
            bonding=_clamp(bonding + rng.uniform(-0.5, 0.5)),
            sleep_hours=max(0.0, round((sleep + rng.uniform(-0.8, 0.8)) * 4) / 4),
            night_wakings=rng.randint(1, 4),
            sleep_quality=_clamp(sleep / 2 + rng.uniform(-0.5, 0.5)),
            skin_to_skin_minutes=rng.choice([0, 15, 30, 45, 60]),
            activities=sorted(rng.sample(ACTIVITIES, rng.randint(0, 4))),
        )
        if client.email == client_email(BREATHING_HELPS):
            values = _breathing_helps(values, days_ago)
        db.session.add(CheckIn(client_id=client.id, day=today - timedelta(days=days_ago), **values))


def _breathing_helps(values: dict, days_ago: int) -> dict:
    """Give the demo client a real effect: tension is lower on her breathing days.

    Her progress page then shows a finding in "what seems to help you"; breathing is added on
    a fixed rhythm (no random draw), so that the other clients' data is left unchanged.
    """
    activities = set(values["activities"])
    if days_ago % 3 == 0:
        activities.add("breathing")
    tension = values["tension"]
    if "breathing" in activities:
        tension = _clamp(tension - 1.5)
    return values | {"activities": sorted(activities), "tension": tension}


def _spread(total: int, items: int) -> list[int]:
    scores = [total // items] * items
    for index in range(total % items):
        scores[index] += 1
    return scores


def _add_response(client: User, key: str, item_scores: list[int], day: date) -> None:
    instrument = load_instrument(key)
    answers = {
        item.id: item.scores.index(points)
        for item, points in zip(instrument.items, item_scores, strict=True)
    }
    result = score(instrument, answers)
    db.session.add(
        QuestionnaireResponse(
            client_id=client.id,
            instrument=key,
            answers=answers,
            item_scores=list(result.item_scores),
            total=result.total,
            subscales=dict(result.subscales),
            band=result.band.key,
            safety=result.safety,
            locale="nl",
            submitted_at=datetime.combine(day, time(10, 0), tzinfo=UTC),
            **instrument.wording("nl"),
        )
    )


def _evaluate_flags() -> None:
    """Raise the flags the demo data calls for, as the nightly cron run would."""
    flag_service.evaluate_all()
