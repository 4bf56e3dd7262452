"""The daily check-in form: 1-5 scales as labelled choices, sleep in quarter hours, activities."""

from datetime import date, timedelta

from flask_babel import LazyString, format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.models import ACTIVITIES
from portal.submissions import SubmittedOnceForm

NOTE_MAX = 2000

SCALE_LABELS = {
    "mood": (_l("Very low"), _l("Low"), _l("Okay"), _l("Good"), _l("Very good")),
    "tension": (_l("None"), _l("A little"), _l("Some"), _l("Quite a lot"), _l("A lot")),
    # Each word fits whole in its tile on a 390 px phone at 14 px, in Dutch and English; the
    # bonding words answer "how connected" with five distinct steps.
    "energy": (_l("Worn out"), _l("Tired"), _l("Okay"), _l("Fairly fresh"), _l("Full of energy")),
    "bonding": (
        _l("Not at all"),
        _l("A little"),
        _l("Fairly"),
        _l("Strongly"),
        _l("Very strongly"),
    ),
    "sleep_quality": (_l("Very poor"), _l("Poor"), _l("Okay"), _l("Good"), _l("Very good")),
}

ACTIVITY_LABELS = {
    "hug": _l("A hug of 20 seconds or more"),
    "safe_company": _l("Time with people who feel safe"),
    "laughing_singing": _l("Laughing or singing"),
    "breathing": _l("A breathing exercise"),
    "meditation": _l("Meditation"),
    "fibre_meal": _l("A fibre-rich meal"),
    "fermented_food": _l("Fermented food"),
    "pet": _l("Time with a pet"),
    "walk_outside": _l("A walk outside"),
}
assert set(ACTIVITY_LABELS) == set(ACTIVITIES)


# Choices are given as SelectChoice, the shape WTForms works with: given as tuples they are
# converted again each time the field is validated or drawn, on every check-in save.


def _scale_choices(field: str) -> list[SelectChoice]:
    return [
        SelectChoice(str(value), label)
        for value, label in enumerate(SCALE_LABELS[field], start=1)
    ]


def _sleep_choices() -> list[SelectChoice]:
    choices = [SelectChoice("", _l("Not filled in"))]
    for quarters in range(0, 16 * 4 + 1):
        hours, minutes = divmod(quarters * 15, 60)
        label = _l("%(hours)s h %(minutes)02d min", hours=hours, minutes=minutes)
        choices.append(SelectChoice(f"{quarters / 4:g}", label))
    return choices


def _scale(label, field: str, required: bool = False) -> RadioField:
    return RadioField(
        label,
        choices=_scale_choices(field),
        validators=[InputRequired(message=_l("Please choose how you feel."))]
        if required
        else [Optional()],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CheckInForm(SubmittedOnceForm):
    """Her daily check-in; its submission id is carried, but the day is what keeps it once."""

    day = SelectField(_l("Which day is this about?"), validate_choice=False)
    # The version of the day's answers the form was drawn from (services.version_of); absent
    # in a post that does not say, which then never counts as a conflict.
    base = HiddenField()
    mood = _scale(_l("How is your mood today?"), "mood", required=True)
    tension = _scale(_l("How much tension or worry did you feel?"), "tension")
    energy = _scale(_l("How much energy do you have?"), "energy")
    bonding = _scale(_l("How connected did you feel to your baby?"), "bonding")
    sleep_hours = SelectField(
        _l("How long did you sleep last night, in total?"),
        choices=_sleep_choices(),
        validators=[Optional()],
    )
    night_wakings = IntegerField(
        _l("How often did you wake up in the night?"),
        validators=[
            Optional(),
            NumberRange(min=0, max=20, message=_l("Enter a number from 0 to 20.")),
        ],
    )
    sleep_quality = _scale(_l("How well did you sleep?"), "sleep_quality")
    skin_to_skin_minutes = IntegerField(
        _l("Minutes of skin-to-skin contact with your baby"),
        validators=[
            Optional(),
            NumberRange(min=0, max=600, message=_l("Enter a number of minutes from 0 to 600.")),
        ],
    )
    activities = MultiCheckboxField(
        _l("What did you do today that helps?"),
        choices=[SelectChoice(value, label) for value, label in ACTIVITY_LABELS.items()],
    )
    note = TextAreaField(
        _l("Anything you want to tell your practitioner? (optional)"),
        validators=[
            Optional(),
            Length(
                max=NOTE_MAX,
                message=_l("Please keep the note under %(max)d characters.", max=NOTE_MAX),
            ),
        ],
        description=_l("Your practitioner reads this. It is not watched around the clock."),
    )

    def set_days(self, today: date, backfill_days: int) -> None:
        """Offer today and up to `backfill_days` days back, never a future day."""
        choices = []
        for offset in range(backfill_days + 1):
            day = today - timedelta(days=offset)
            if offset == 0:
                label = _l("Today")
            elif offset == 1:
                label = _l("Yesterday")
            else:  # formatted only if the form is drawn, not when a save is checked
                label = LazyString(format_date, day, "EEEE d MMMM")
            choices.append(SelectChoice(day.isoformat(), label))
        self.day.choices = choices
        self._today, self._backfill_days = today, backfill_days

    def word_for_day(self, day: date) -> None:
        """Ask the mood question about the day she is filling in, not always about today."""
        if day == self._today:
            self.mood.label.text = _l("How is your mood today?")
        elif day == self._today - timedelta(days=1):
            self.mood.label.text = _l("How was your mood yesterday?")
        else:
            self.mood.label.text = _l(
                "How was your mood on %(day)s?", day=LazyString(format_date, day, "EEEE d MMMM")
            )

    def validate_day(self, field):
        try:
            chosen = date.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(_l("Choose a day from the list.")) from None
        if chosen > self._today:
            raise ValidationError(_l("You cannot fill in a day that has not happened yet."))
        if chosen < self._today - timedelta(days=self._backfill_days):
            raise ValidationError(
                _l("You can fill in today or up to %(days)d days back.", days=self._backfill_days)
            )
        field.chosen_day = chosen

    def cleaned(self) -> dict:
        """Return the values to store, with empty optional answers as None."""

        def scale(field):
            return int(field.data) if field.data not in (None, "", "None") else None

        return {
            "day": self.day.chosen_day,
            "mood": int(self.mood.data),
            "tension": scale(self.tension),
            "energy": scale(self.energy),
            "bonding": scale(self.bonding),
            "sleep_quality": scale(self.sleep_quality),
            "sleep_hours": float(self.sleep_hours.data) if self.sleep_hours.data else None,
            "night_wakings": self.night_wakings.data,
            "skin_to_skin_minutes": self.skin_to_skin_minutes.data,
            "activities": sorted(set(self.activities.data or [])),
            "note": (self.note.data or "").strip() or None,
        }


class ReminderForm(FlaskForm):
    enabled = BooleanField(_l("Send me a daily reminder"))
    by_email = BooleanField(_l("By e-mail"), default=True)
    # Which page the form sits on ("today" or "account"), so she returns to it.
    back_to = HiddenField(default="today")
    at = TimeField(
        _l("At what time?"),
        validators=[Optional()],
        description=_l("Your own time. We never send one if you already checked in."),
    )

    def validate(self, extra_validators=None) -> bool:
        if self.back_to.data not in ("today", "account"):
            self.back_to.data = "today"
        if not super().validate(extra_validators):
            return False
        if self.enabled.data and self.at.data is None:
            self.at.errors.append(_l("Choose a time for the reminder."))
            return False
        return True


def reminder_form_for(client, back_to: str = "today") -> ReminderForm:
    """Build her reminder form filled with her current setting."""
    form = ReminderForm(formdata=None, back_to=back_to)
    form.enabled.data = client.profile.reminder_enabled
    form.by_email.data = client.profile.reminder_email
    form.at.data = client.profile.reminder_time
    return form
