"""Forms of the message pages: a message, a withdrawal, handled, and the message settings."""

from datetime import date, timedelta

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, TextAreaField
from wtforms.validators import Optional, ValidationError

from portal.messages.services import MAX_CHARS

AWAY_MAX_DAYS = 366


def _plain_text(value):
    """Strip the edges and count a line break once, as the text box in the browser does."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), filters=[_plain_text])

    def validate_body(self, field):
        if not field.data:
            raise ValidationError(_l("Please write your message."))
        if len(field.data) > MAX_CHARS:
            raise ValidationError(
                _l(
                    "A message can hold at most %(max)s characters; this one has %(count)s. "
                    "Please shorten it or send it in two parts.",
                    max=format_decimal(MAX_CHARS),
                    count=format_decimal(len(field.data)),
                )
            )


class WithdrawMessageForm(FlaskForm):
    """A button: withdraw this message."""


class HandledForm(FlaskForm):
    """A button: handled, no reply needed."""


DIGEST_LABELS = {
    "daily": _l("Every working day at 07:30"),
    "weekly": _l("Every Monday at 07:30"),
    "off": _l("No digest"),
}


class MessageSettingsForm(FlaskForm):
    notices = BooleanField(
        _l("E-mail me when a new message arrives"),
        description=_l("At most one e-mail an hour per conversation; it never holds the text."),
    )
    digest = RadioField(
        _l("Morning digest"),
        choices=list(DIGEST_LABELS.items()),
        validators=[Optional()],
    )
    away_until = DateField(
        _l("Away until (inclusive)"),
        validators=[Optional()],
        description=_l(
            "While you are away, the practice's administrator reads and answers your clients'"
            " messages. Leave empty when you are at work."
        ),
    )

    def validate_away_until(self, field):
        if field.data is None:
            return
        today = date.today()
        if field.data < today:
            raise ValidationError(_l("Choose today or a later date, or leave it empty."))
        if field.data > today + timedelta(days=AWAY_MAX_DAYS):
            raise ValidationError(_l("Choose a date within a year."))
