"""Forms: choosing a time, opening hours, exceptions and booking rules."""

from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.models import APPOINTMENT_KINDS

WEEKDAYS = (
    (0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")), (3, _l("Thursday")),
    (4, _l("Friday")), (5, _l("Saturday")), (6, _l("Sunday")),
)
KIND_CHOICES = [
    ("practice", _l("At the practice")),
    ("video", _l("Video call")),
    ("phone", _l("Phone call")),
    ("home", _l("Home visit")),
]
assert [kind for kind, _label in KIND_CHOICES] == list(APPOINTMENT_KINDS)


def parse_moment(text: str | None) -> datetime | None:
    """Read an offered time (ISO 8601 with its offset); None when it is not one."""
    if not text or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or not 2000 <= moment.year <= 2100:
        return None
    return moment.astimezone(UTC)


def _parse_clock(text: str | None) -> time | None:
    try:
        return time.fromisoformat(text or "")
    except ValueError:
        return None


class TimeField(StringField):
    """A wall-clock time (hh:mm), as a time input sends it."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.clock = _parse_clock((self.data or "").strip()[:8])

    def pre_validate(self, form):
        if self.data and getattr(self, "clock", None) is None:
            raise ValidationError(_l("Give a time as hh:mm, such as 09:30."))


class ChooseTimeForm(FlaskForm):
    """The time she picked, as the list of free times offered it."""

    start = HiddenField(validators=[DataRequired(message=_l("Choose one of the offered times."))])

    def validate_start(self, field):
        field.moment = parse_moment(field.data)
        if field.moment is None:
            raise ValidationError(_l("Choose one of the offered times."))


class BookForClientForm(ChooseTimeForm):
    """The practitioner books a time for her: the kind and the time."""

    kind = SelectField(_l("Kind of appointment"), choices=KIND_CHOICES,
                       validators=[InputRequired(message=_l("Choose a kind of appointment."))])


class _Block(FlaskForm):
    starts_at = TimeField(_l("From"), validators=[DataRequired(message=_l("Give a start time."))])
    ends_at = TimeField(_l("Until"), validators=[DataRequired(message=_l("Give an end time."))])
    length_minutes = IntegerField(
        _l("Length of an appointment (minutes)"), default=50,
        validators=[InputRequired(message=_l("Give the length in minutes.")),
                    NumberRange(10, 240, message=_l("Between 10 and 240 minutes."))])
    kind = SelectField(_l("Kind of appointment"), choices=KIND_CHOICES)

    def validate_ends_at(self, field):
        start = getattr(self.starts_at, "clock", None)
        end = getattr(field, "clock", None)
        if start and end and end <= start:
            raise ValidationError(_l("The end must come after the start."))


class WeeklyHoursForm(_Block):
    """A weekly block of opening hours."""

    weekday = SelectField(_l("Day"), choices=WEEKDAYS, coerce=int)


class ExceptionForm(FlaskForm):
    """A day off (whole or from-until) or one-off extra hours."""

    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Give a date."))])
    exception = SelectField(_l("What"), choices=[("off", _l("Not available")),
                                                 ("extra", _l("Extra hours"))])
    starts_at = TimeField(_l("From"), description=_l("Leave empty for the whole day off."))
    ends_at = TimeField(_l("Until"))
    length_minutes = IntegerField(
        _l("Length of an appointment (minutes)"), default=50,
        validators=[Optional(), NumberRange(10, 240, message=_l("Between 10 and 240 minutes."))])
    kind = SelectField(_l("Kind of appointment"), choices=KIND_CHOICES)
    note = StringField(_l("Note (only for you)"), validators=[Optional(), Length(max=120)])

    def validate_day(self, field):
        if field.data and not date(2000, 1, 1) <= field.data <= date(2100, 12, 31):
            raise ValidationError(_l("Give a date between 2000 and 2100."))

    def validate_ends_at(self, field):
        start = getattr(self.starts_at, "clock", None)
        end = getattr(field, "clock", None)
        if self.exception.data == "extra" and (start is None or end is None):
            raise ValidationError(_l("Extra hours need a start and an end time."))
        if self.exception.data == "extra" and not self.length_minutes.data:
            raise ValidationError(_l("Give the length in minutes."))
        if (start is None) != (end is None):
            raise ValidationError(_l("Give both times, or neither for the whole day."))
        if start and end and end <= start:
            raise ValidationError(_l("The end must come after the start."))


class RulesForm(FlaskForm):
    """The practitioner's booking rules."""

    buffer_minutes = IntegerField(
        _l("Time between appointments (minutes)"),
        validators=[InputRequired(message=_l("Give a number of minutes.")),
                    NumberRange(0, 120, message=_l("Between 0 and 120 minutes."))])
    notice_hours = IntegerField(
        _l("Minimum notice for booking (hours)"),
        validators=[InputRequired(message=_l("Give a number of hours.")),
                    NumberRange(0, 168, message=_l("Between 0 and 168 hours."))])
    horizon_days = IntegerField(
        _l("How far ahead she may book (days)"),
        validators=[InputRequired(message=_l("Give a number of days.")),
                    NumberRange(1, 180, message=_l("Between 1 and 180 days."))])
    change_limit_hours = IntegerField(
        _l("She may move or cancel until (hours before)"),
        validators=[InputRequired(message=_l("Give a number of hours.")),
                    NumberRange(0, 168, message=_l("Between 0 and 168 hours."))])
