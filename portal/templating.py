"""Template helpers: navigation, languages, date formatting and the practitioner flag count."""

import re
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request
from flask_babel import (
    format_decimal,
    format_timedelta,
    get_locale,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from portal.extensions import db
from portal.i18n import format_day, format_moment
from portal.messages.services import unread_for_client, unread_for_practitioner
from portal.models import ClientProfile, Flag, OutboxMessage

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}

DELIVERY_TYPE_LABELS = {
    "induced_oxytocin": _l("Induced with synthetic oxytocin"),
    "induced_other": _l("Induced in another way"),
    "spontaneous": _l("Spontaneous"),
    "planned_caesarean": _l("Planned caesarean"),
    "emergency_caesarean": _l("Emergency caesarean"),
}
FEEDING_LABELS = {
    "breast": _l("Breastfeeding"),
    "bottle": _l("Bottle feeding"),
    "both": _l("Both breast and bottle"),
}
ROLE_LABELS = {
    "client": _l("Client"),
    "practitioner": _l("Practitioner"),
    "admin": _l("Administrator"),
}
INSTRUMENT_NAMES = {
    "epds": _l("EPDS: how you have been feeling"),
    "gad7": _l("GAD-7: worry and tension"),
}
# What each outbox message is about, for the admin's outgoing-mail page.
MAIL_KIND_LABELS = {
    "urgent_flag": _l("Urgent flag notice"),
    "urgent_escalation": _l("Urgent flag escalation"),
    "invitation": _l("Invitation"),
    "password_reset": _l("Password reset"),
    "password_changed": _l("Password changed"),
    "email_change": _l("E-mail address change"),
    "two_factor_reset": _l("Two-step sign-in reset"),
    "reminder": _l("Check-in reminder"),
    "message_notice": _l("New message notice"),
    "digest": _l("Morning digest"),
    "enquiry": _l("Enquiry"),
    "consent": _l("Consent"),
    "erasure_request": _l("Erasure request"),
    "erasure_decision": _l("Erasure decision"),
    "erasure_done": _l("Erasure confirmation"),
    "notice": _l("Notice"),
    "appointment_booked": _l("Appointment confirmation"),
    "appointment_moved": _l("Appointment moved"),
    "appointment_cancelled": _l("Appointment cancelled"),
    "appointment_reminder": _l("Appointment reminder"),
    "appointment_cancelled_erasure": _l("Appointment cancelled (account erased)"),
}

LEVEL_LABELS = {
    "urgent": _l("Urgent"),
    "high": _l("High"),
    "medium": _l("Medium"),
    "low": _l("Low"),
}


def init_app(app: Flask) -> None:
    """Register the context processor and the filters."""
    app.context_processor(template_context)
    app.add_template_filter(_format_date, "date")
    app.add_template_filter(_format_datetime, "datetime")
    app.add_template_filter(lambda key: DELIVERY_TYPE_LABELS.get(key, key or ""), "delivery_type")
    app.add_template_filter(lambda key: FEEDING_LABELS.get(key, key or ""), "feeding")
    app.add_template_filter(lambda key: ROLE_LABELS.get(key, key or ""), "role")
    app.add_template_filter(lambda key: LEVEL_LABELS.get(key, key or ""), "level")
    app.add_template_filter(lambda key: INSTRUMENT_NAMES.get(key, key or ""), "instrument_name")
    app.add_template_filter(lambda value: format_decimal(value, "0.##"), "decimal")
    app.add_template_filter(lambda key: MAIL_KIND_LABELS.get(key, key or ""), "mail_kind")
    app.add_template_filter(_format_age, "age")
    app.add_template_filter(tel_link, "tel")
    app.add_template_filter(phone_links, "phone_links")


def _format_date(value: date | None, style: str = "medium") -> str:
    return format_day(value, style) if value else ""


def tel_link(number: str | None) -> Markup:
    """Return a phone number as a link a phone can call."""
    if not number:
        return Markup("")
    digits = re.sub(r"[^\d+]", "", number)
    return Markup('<a href="tel:{}" class="tel">{}</a>').format(digits, number)


def phone_links(text: str, *numbers: str) -> Markup:
    """Make each of the given phone numbers in a text a link, in one pass over the text."""
    escaped = str(escape(text))
    wanted = sorted({str(escape(number)) for number in numbers if number}, key=len, reverse=True)
    if not wanted:
        return Markup(escaped)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, wanted)) + r")(?![\w-])")
    return Markup(pattern.sub(lambda match: str(tel_link(Markup(match.group(1)))), escaped))


def _format_datetime(value, style: str = "medium") -> str:
    return format_moment(value, style) if value else ""


def _format_age(value) -> str:
    """Say how long something has waited ("3 hours", "2 days") in the reader's language.

    Takes a duration, or a moment in the past (then: how long ago it was).
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = datetime.now(UTC) - value
    return format_timedelta(value, threshold=1.5)


def template_context() -> dict:
    """Values every template may use."""
    counts = _nav_counts() if has_request_context() else {}
    return {
        "current_locale": str(get_locale()),
        "language_names": LANGUAGE_NAMES,
        "practice": {
            "name": current_app.config["PRACTICE_NAME"],
            "phone": current_app.config["PRACTICE_PHONE"],
            "email": current_app.config["PRACTICE_EMAIL"],
            "huisartsenpost": current_app.config["HUISARTSENPOST_PHONE"],
        },
        "attention_count": counts.get("attention", 0),
        "unread_messages": counts.get("unread", 0),
        "dead_urgent_notices": _dead_urgent_notices() if has_request_context() else 0,
        "current_path": request.full_path.rstrip("?") if has_request_context() else "/",
    }


def _dead_urgent_notices() -> int:
    """Count urgent-flag notices the outbox gave up on, for the banner every admin sees."""
    if not (current_user.is_authenticated and current_user.is_admin):
        return 0
    return (
        db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.kind == "urgent_flag",
                OutboxMessage.dead_at.is_not(None),
                OutboxMessage.sent_at.is_(None),
            )
        )
        or 0
    )


def _nav_counts() -> dict[str, int]:
    """Count the navigation's badges in one query: unread messages, and a practitioner's flags.

    The flags are her open urgent and high ones; the messages those from the other side not yet
    opened. One statement per page, whatever the caseload or the number of messages.
    """
    if not current_user.is_authenticated:
        return {}
    if current_user.is_client:
        return {"unread": db.session.scalar(sa.select(unread_for_client(current_user.id))) or 0}
    if not current_user.is_practitioner:
        return {}
    attention = (
        sa.select(sa.func.count(Flag.id))
        .join(ClientProfile, ClientProfile.user_id == Flag.client_id)
        .where(
            ClientProfile.practitioner_id == current_user.id,
            Flag.acknowledged_at.is_(None),
            Flag.cleared_at.is_(None),
            Flag.level.in_(("urgent", "high")),
        )
        .scalar_subquery()
    )
    row = db.session.execute(
        sa.select(attention, unread_for_practitioner(current_user.id))
    ).one()
    return {"attention": row[0] or 0, "unread": row[1] or 0}
