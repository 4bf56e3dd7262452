"""Panels other pages embed: her next appointment on her home page, the client page's panel."""

from datetime import UTC, datetime

from portal import audit
from portal.appointments import services
from portal.models import User


def home_context(client: User) -> dict:
    """Return her next appointment for the home page, and whether she may still change it."""
    upcoming = services.upcoming_for_client(client.id)
    following = upcoming[0] if upcoming else None
    return {
        "next_appointment": following,
        "next_appointment_changeable": bool(following and services.may_change(following)),
    }


def client_page_context(client: User) -> dict:
    """Return the client page's appointments panel, logging that her appointments were seen."""
    upcoming = services.upcoming_for_client(client.id, datetime.now(UTC))
    if upcoming:
        audit.record("appointments_viewed", client=client, detail="client page")
    return {"appointments_panel": {"upcoming": upcoming}}
