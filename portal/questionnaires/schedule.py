"""When a questionnaire is due: the practice's schedule (config) applied to a client's dates."""

from collections.abc import Mapping
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.dates import local_today
from portal.extensions import db
from portal.models import QuestionnaireResponse, User

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
    due = []
    for key, rule in schedule().items():
        last = latest.get(key)
        if is_due(
            rule,
            started_on=profile.started_on,
            delivery_date=profile.delivery_date,
            last_on=local_today(client.timezone, last) if last else None,
            today=today,
        ):
            due.append(key)
    return due
