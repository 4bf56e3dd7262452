"""Practice forms: dashboard filters, flag acknowledgement, notes and the phone-consult check-in."""

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SearchField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from portal.checkins.forms import ACTIVITY_LABELS, SCALE_LABELS, MultiCheckboxField
from portal.models.users import DELIVERY_TYPES
from portal.submissions import SubmittedOnceForm
from portal.templating import DELIVERY_TYPE_LABELS

NOTE_MAX = 5000
ACKNOWLEDGEMENT_MAX = 2000
REASON_MAX = 1000
CHECKIN_NOTE_MAX = 2000
SEARCH_MAX = 120


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DashboardFilterForm(FlaskForm):
    """Read from the query string; a value that does not validate is ignored, never an error."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search by name or client number"),
        filters=[_strip],
        validators=[Length(max=SEARCH_MAX)],
    )
    flagged = BooleanField(_l("Only clients with an open flag"))
    silent = BooleanField(_l("Only silent clients (no check-in for 4 days or more)"))
    delivery_type = SelectField(
        _l("Delivery type"),
        choices=[("", _l("All delivery types"))]
        + [(key, DELIVERY_TYPE_LABELS[key]) for key in DELIVERY_TYPES],
        default="",
    )


class AcknowledgeFlagForm(FlaskForm):
    note = TextAreaField(
        _l("What was done?"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Write what was done: called, referred, or why no action.")),
            Length(
                max=ACKNOWLEDGEMENT_MAX,
                message=_l("Please keep this under %(max)d characters.", max=ACKNOWLEDGEMENT_MAX),
            ),
        ],
        description=_l("For example: called her, referred to the GP, or no action needed and why."),
    )


class NoteForm(FlaskForm):
    body = TextAreaField(
        _l("Note"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Write the note.")),
            Length(
                max=NOTE_MAX,
                message=_l("Please keep the note under %(max)d characters.", max=NOTE_MAX),
            ),
        ],
    )
    shared = BooleanField(
        _l("Share with the client"),
        description=_l(
            "A shared note shows on her progress page. Without this, only her practitioner sees it."
        ),
    )


class WithdrawNoteForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is this note withdrawn?"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Give the reason for withdrawing the note.")),
            Length(
                max=REASON_MAX,
                message=_l("Please keep the reason under %(max)d characters.", max=REASON_MAX),
            ),
        ],
        description=_l("The note stays in the record, marked as withdrawn, with this reason."),
    )


def _choice(value: int, text) -> LazyString:
    """Word a scale choice ("1 · Very low") when it is shown, in the reader's language."""
    return LazyString(lambda: f"{value} · {text}")


def _scale(label, field: str, required: bool = False) -> SelectField:
    # Lazy: a label built into text here, at import, would stay in the language of no one.
    choices = [("", _l("Not asked"))] + [
        (str(value), _choice(value, text))
        for value, text in enumerate(SCALE_LABELS[field], start=1)
    ]
    validators = (
        [InputRequired(message=_l("Choose the mood from 1 to 5."))] if required else [Optional()]
    )
    return SelectField(label, choices=choices, validators=validators, default="")


class FiniteDecimalField(DecimalField):
    """A decimal field that refuses NaN, infinity and huge numbers with its range's message.

    Decimal NaN cannot even be compared, and arithmetic on 1e30 (the quarter-hour check)
    raises InvalidOperation, so such values stop here, with the words of the field's
    NumberRange, and no later check sees them.
    """

    LARGEST = Decimal(10) ** 9

    def process_formdata(self, valuelist):
        self.absurd = False
        super().process_formdata(valuelist)
        if self.data is not None and not (self.data.is_finite() and abs(self.data) < self.LARGEST):
            self.data, self.absurd = None, True
            raise ValueError(self._range_message())

    def pre_validate(self, form):
        if getattr(self, "absurd", False):
            raise StopValidation()  # the message is given; NumberRange would repeat it

    def _range_message(self) -> str:
        for validator in self.validators:
            if isinstance(validator, NumberRange) and validator.message:
                return str(validator.message)
        return self.gettext("Not a valid decimal value.")


class PhoneCheckInForm(SubmittedOnceForm):
    """A check-in a practitioner records for a client during a phone consult."""

    day = DateField(
        _l("Day"),
        validators=[InputRequired(message=_l("Enter the day in the form yyyy-mm-dd."))],
        description=_l("Today or up to 7 days back."),
    )
    mood = _scale(_l("Mood"), "mood", required=True)
    tension = _scale(_l("Tension"), "tension")
    energy = _scale(_l("Energy"), "energy")
    bonding = _scale(_l("Bonding with the baby"), "bonding")
    sleep_quality = _scale(_l("Sleep quality"), "sleep_quality")
    sleep_hours = FiniteDecimalField(
        _l("Hours of sleep last night"),
        places=None,
        validators=[
            Optional(),
            NumberRange(min=0, max=16, message=_l("Enter hours from 0 to 16.")),
        ],
        description=_l("In quarter hours, for example 5.75."),
    )
    night_wakings = IntegerField(
        _l("Night wakings"),
        validators=[
            Optional(),
            NumberRange(min=0, max=20, message=_l("Enter a number from 0 to 20.")),
        ],
    )
    skin_to_skin_minutes = IntegerField(
        _l("Minutes of skin-to-skin contact"),
        validators=[
            Optional(),
            NumberRange(min=0, max=600, message=_l("Enter a number of minutes from 0 to 600.")),
        ],
    )
    activities = MultiCheckboxField(_l("What helped today"), choices=list(ACTIVITY_LABELS.items()))
    note = TextAreaField(
        _l("Note"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(
                max=CHECKIN_NOTE_MAX,
                message=_l("Please keep the note under %(max)d characters.", max=CHECKIN_NOTE_MAX),
            ),
        ],
    )

    # Shown while her "no check-in" flag is open: an entry by phone closes it only with a note.
    silent_note = TextAreaField(
        _l("Acknowledge her no-check-in flag"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(
                max=ACKNOWLEDGEMENT_MAX,
                message=_l("Please keep this under %(max)d characters.", max=ACKNOWLEDGEMENT_MAX),
            ),
        ],
        description=_l(
            "Optional. With a note on what was done, the flag is acknowledged; without one it "
            "stays open until she checks in herself."
        ),
    )

    def set_window(self, today: date, backfill_days: int) -> None:
        """Allow today and up to `backfill_days` days back in the client's own calendar."""
        self._today, self._backfill_days = today, backfill_days
        if self.day.data is None and not self.day.raw_data:
            self.day.data = today  # a blank form starts at today

    @property
    def first_day(self) -> date:
        """Return the earliest day that may be entered."""
        return self._today - timedelta(days=self._backfill_days)

    @property
    def last_day(self) -> date:
        """Return the latest day that may be entered (today)."""
        return self._today

    def validate_day(self, field):
        if field.data is None:  # not a date: the field already says so
            raise ValidationError(_l("Enter the day in the form yyyy-mm-dd."))
        if field.data > self._today:
            raise ValidationError(_l("A check-in cannot be for a day that has not happened yet."))
        if field.data < self.first_day:
            raise ValidationError(
                _l(
                    "A check-in can be entered for today or up to %(days)d days back.",
                    days=self._backfill_days,
                )
            )

    def validate_sleep_hours(self, field):
        if field.data is not None and (field.data * 4) % 1:
            raise ValidationError(_l("Enter the hours in quarter hours, for example 5.75."))

    def cleaned(self) -> dict:
        """Return the values to store; questions not asked are None."""

        def scale(field):
            return int(field.data) if field.data else None

        return {
            "day": self.day.data,
            "mood": int(self.mood.data),
            "tension": scale(self.tension),
            "energy": scale(self.energy),
            "bonding": scale(self.bonding),
            "sleep_quality": scale(self.sleep_quality),
            "sleep_hours": float(self.sleep_hours.data)
            if self.sleep_hours.data is not None
            else None,
            "night_wakings": self.night_wakings.data,
            "skin_to_skin_minutes": self.skin_to_skin_minutes.data,
            "activities": sorted(set(self.activities.data or [])),
            "note": self.note.data or None,
        }
