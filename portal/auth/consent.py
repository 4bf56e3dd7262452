"""The consent text a person agrees to when creating an account (versioned in config)."""

from flask_babel import gettext as _


def consent_text(role: str) -> str:
    """Return the consent text for a role, in the current language."""
    if role == "client":
        return _(
            "The practice stores what you enter in this portal: your check-ins, questionnaire "
            "answers, notes and the details of your delivery. Only you and your own practitioner "
            "can see them. We use them to support your recovery and for nothing else. Every look "
            "at your record is logged. You can download all your data, withdraw your consent or "
            "ask us to erase your data at any time from your account page."
        )
    return _(
        "You will work with health data of clients. You only open the records of clients "
        "assigned to you, you keep your sign-in details to yourself, and you know that every "
        "look at a record is logged."
    )
