"""Calendar files built with the icalendar library: her invitation and the practitioner's feed.

Her invitation carries the appointment's UID for its whole life: a move sends the same UID with
a higher SEQUENCE, a cancellation METHOD:CANCEL, so her calendar updates the one event. The
feed's titles hold initials and the kind only: a calendar on a phone or in a cloud account is
no place for health data.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Herstel na inleiding//Portal//NL"


def _calendar(method: str | None = None, name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def _event(appointment, summary: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", appointment.uid)
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", summary)
    return event


def invitation(
    appointment,
    *,
    summary: str,
    description: str,
    organizer_email: str,
    organizer_name: str,
    attendee_email: str,
    location: str | None = None,
    now: datetime | None = None,
) -> str:
    """Return her .ics: METHOD:REQUEST while it stands, METHOD:CANCEL once cancelled."""
    now = now or datetime.now(UTC)
    cancelled = appointment.cancelled_at is not None
    calendar = _calendar("CANCEL" if cancelled else "REQUEST")
    event = _event(appointment, summary, now)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("description", description)
    if location:
        event.add("location", location)
    organizer = vCalAddress(f"mailto:{organizer_email}")
    organizer.params["cn"] = vText(organizer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{attendee_email}")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def feed(appointments: Iterable, title_of, *, name: str, now: datetime | None = None) -> str:
    """Return a practitioner's subscription feed: one event per live appointment.

    `title_of(appointment)` gives the event's title (initials and kind, nothing more).
    """
    now = now or datetime.now(UTC)
    calendar = _calendar(name=name)
    for appointment in appointments:
        event = _event(appointment, title_of(appointment), now)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
