"""When a questionnaire is due: the practice's schedule (config) applied to a client's dates."""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal.appointments.slots import working_days_ahead
from portal.dates import local_today
from portal.extensions import db
from portal.models import Appointment, QuestionnaireResponse, User

# An appointment this many working days ahead brings a questionnaire forward, so the scores are
# fresh at the visit.
VISIT_WORKING_DAYS = 2

# DOMAIN.md: EPDS at 1-2 weeks after starting, around 6 weeks postpartum, then every 4 weeks.
DEFAULT_SCHEDULE = {
    "epds": {"first_after_days": 14, "postpartum_days": 42, "every_days": 28},
    "gad7": {"first_after_days": 14, "every_days": 28},
}
# A response this close before the postpartum milestone counts for it.
MILESTONE_GRACE_DAYS = 7


def is_due(
    rule: Mapping[str, int],
    *,
    started_on: date | None,
    delivery_date: date | None,
    last_on: date | None,
    today: date,
) -> bool:
    """Tell whether a questionnaire is due today under one schedule rule (pure)."""
    if last_on is None:
        if started_on is not None and today >= started_on + timedelta(
            days=rule.get("first_after_days", 14)
        ):
            return True
    elif today >= last_on + timedelta(days=rule.get("every_days", 28)):
        return True
    postpartum_days = rule.get("postpartum_days")
    if postpartum_days and delivery_date is not None:
        milestone = delivery_date + timedelta(days=postpartum_days)
        covered = last_on is not None and last_on >= milestone - timedelta(
            days=MILESTONE_GRACE_DAYS
        )
        if today >= milestone and not covered:
            return True
    return False


def visit_day_ahead(appointment_days: list[date], today: date) -> date | None:
    """Return the first appointment day within the next two working days, if any (pure)."""
    last = working_days_ahead(today, VISIT_WORKING_DAYS)
    days = [day for day in appointment_days if today <= day <= last]
    return min(days) if days else None


def _next_visit_day(client: User, today: date) -> date | None:
    zone = ZoneInfo(client.timezone or "Europe/Amsterdam")
    start = datetime.combine(today, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(working_days_ahead(today, VISIT_WORKING_DAYS) + timedelta(days=1),
                           time(0), tzinfo=zone).astimezone(UTC)
    starts = db.session.scalars(
        sa.select(Appointment.starts_at).where(
            Appointment.client_id == client.id, Appointment.cancelled_at.is_(None),
            Appointment.starts_at >= max(start, datetime.now(UTC)), Appointment.starts_at < end)
    ).all()
    return visit_day_ahead([moment.astimezone(zone).date() for moment in starts], today)


def schedule() -> dict:
    """Return the practice's questionnaire schedule."""
    return current_app.config.get("QUESTIONNAIRE_SCHEDULE") or DEFAULT_SCHEDULE


def due_questionnaires(client: User, today: date) -> list[str]:
    """Return the keys of the questionnaires due for a client today."""
    profile = client.profile
    if profile is None or profile.collection_paused:
        return []
    latest = dict(
        db.session.execute(
            sa.select(
                QuestionnaireResponse.instrument, sa.func.max(QuestionnaireResponse.submitted_at)
            )
            .where(QuestionnaireResponse.client_id == client.id)
            .group_by(QuestionnaireResponse.instrument)
        ).all()
    )
    visit = _next_visit_day(client, today)
    due = []
    for key, rule in schedule().items():
        last = latest.get(key)
        dates = {
            "started_on": profile.started_on,
            "delivery_date": profile.delivery_date,
            "last_on": local_today(client.timezone, last) if last else None,
        }
        # Due today, or due by the day of a visit in the next two working days.
        if is_due(rule, today=today, **dates) or (
            visit is not None and is_due(rule, today=visit, **dates)
        ):
            due.append(key)
    return due
