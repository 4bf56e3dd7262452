"""Forms for her contact details, her care team, a call about a flag, and the urgent protocol."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.careteam import phones
from portal.models.careteam import CALL_OUTCOMES, CARE_ROLES

NAME_MAX = 120
RELATION_MAX = 60
CALL_NOTE_MAX = 500
PROTOCOL_MAX = 4000
SHARE_REASON_MAX = 500
AGB_RE = re.compile(r"^\d{8}$")
EARLIEST_BIRTH = date(1940, 1, 1)

CARE_ROLE_LABELS = {
    "verloskundige": _l("Midwife (verloskundige)"),
    "huisarts": _l("GP (huisarts)"),
    "kraamzorg": _l("Maternity nurse (kraamzorg)"),
    "gynaecoloog": _l("Gynaecologist"),
    "poh_ggz": _l("Mental health nurse (POH-GGZ) or psychologist"),
    "other": _l("Other"),
}
OUTCOME_LABELS = {
    "reached": _l("Reached"),
    "no_answer": _l("No answer"),
    "voicemail": _l("Left a voicemail"),
    "wrong_number": _l("Wrong number"),
    "other": _l("Other (see note)"),
}
assert set(CARE_ROLE_LABELS) == set(CARE_ROLES) and set(OUTCOME_LABELS) == set(CALL_OUTCOMES)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DutchPhone:
    """Accept a Dutch phone number as people write it and leave it normalised to E.164."""

    def __call__(self, form, field) -> None:
        if not field.data:
            field.data = None
            return
        try:
            field.data = phones.normalise(field.data)
        except phones.PhoneError:
            raise ValidationError(
                _l("Enter a Dutch phone number, such as 06 12345678 or 020 123 4567.")
            ) from None


def phone_field(label) -> StringField:
    return StringField(
        label,
        filters=[_strip],
        validators=[Length(max=40), DutchPhone()],
        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
    )


class ContactForm(FlaskForm):
    """Her own phone and the person to call if she cannot be reached."""

    date_of_birth = DateField(
        _l("Your date of birth"),
        validators=[Optional()],
        description=_l("Colleagues in your care team need it to find your file."),
    )
    phone = phone_field(_l("Your phone number"))
    emergency_contact_name = StringField(
        _l("Emergency contact: name"), filters=[_strip], validators=[Length(max=NAME_MAX)]
    )
    emergency_contact_relation = StringField(
        _l("Relation to you"),
        filters=[_strip],
        validators=[Length(max=RELATION_MAX)],
        description=_l("For example partner, mother, friend."),
    )
    emergency_contact_phone = phone_field(_l("Emergency contact: phone"))

    def validate_date_of_birth(self, field) -> None:
        if field.data and not EARLIEST_BIRTH <= field.data <= date.today():
            raise ValidationError(_l("Enter a date of birth between 1940 and today."))

    def validate_emergency_contact_phone(self, field) -> None:
        if field.data and not self.emergency_contact_name.data:
            raise ValidationError(_l("Add the name of the person who has this number."))

    def values(self) -> dict:
        """Return the fields as the profile stores them (empty is None)."""
        return {
            name: (getattr(self, name).data or None)
            for name in (
                "date_of_birth",
                "phone",
                "emergency_contact_name",
                "emergency_contact_relation",
                "emergency_contact_phone",
            )
        }


class PractitionerContactForm(ContactForm):
    """The same details, labelled for the practitioner or admin who fills them in for her."""

    date_of_birth = DateField(_l("Her date of birth"), validators=[Optional()])
    phone = phone_field(_l("Her phone number"))
    emergency_contact_relation = StringField(
        _l("Relation to her"), filters=[_strip], validators=[Length(max=RELATION_MAX)]
    )


class CareTeamMemberForm(FlaskForm):
    """A professional involved in her care."""

    role = SelectField(
        _l("Role"),
        choices=[(key, label) for key, label in CARE_ROLE_LABELS.items()],
        validators=[DataRequired()],
    )
    name = StringField(
        _l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=NAME_MAX)]
    )
    practice = StringField(
        _l("Practice or hospital"), filters=[_strip], validators=[Length(max=NAME_MAX)]
    )
    phone = phone_field(_l("Phone"))
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[Optional(), Email(), Length(max=254)],
    )
    agb_code = StringField(
        _l("AGB code (optional)"),
        filters=[_strip],
        description=_l("The 8-digit code of a Dutch care provider."),
        render_kw={"inputmode": "numeric"},
    )

    def validate_agb_code(self, field) -> None:
        if not field.data:
            field.data = None
        elif not AGB_RE.match(field.data):
            raise ValidationError(_l("An AGB code has exactly 8 digits."))

    def values(self) -> dict:
        """Return the fields as a CareTeamMember stores them (empty is None)."""
        return {
            name: (getattr(self, name).data or None)
            for name in ("role", "name", "practice", "phone", "email", "agb_code")
        }


class RemoveMemberForm(FlaskForm):
    """Only the CSRF token: removing a member is one button."""


class ContactAttemptForm(FlaskForm):
    """A call made about an open flag."""

    callee = SelectField(_l("Whom did you call?"), validators=[DataRequired()])
    outcome = SelectField(
        _l("Outcome"),
        choices=[(key, label) for key, label in OUTCOME_LABELS.items()],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note (optional)"), filters=[_strip], validators=[Length(max=CALL_NOTE_MAX)]
    )


class UrgentProtocolForm(FlaskForm):
    """The practice's protocol for urgent flags: who calls, how fast."""

    text = TextAreaField(
        _l("Protocol for urgent flags"),
        filters=[_strip],
        validators=[Length(max=PROTOCOL_MAX)],
        description=_l("Who calls, how fast, and what happens if nobody is reached."),
    )


SHARE_PERIODS = (7, 30, 90)
SHARE_DEFAULT_VALID_DAYS = 14
SHARE_MAX_VALID_DAYS = 90


class ShareForm(FlaskForm):
    """Share her referral summary with a member of her care team, with her consent."""

    member_id = SelectField(_l("Share with"), coerce=int, validators=[InputRequired()])
    period_days = SelectField(
        _l("Summary of"),
        coerce=int,
        choices=[(days, _l("the last %(days)d days", days=days)) for days in SHARE_PERIODS],
        default=30,
        validators=[InputRequired()],
    )
    valid_days = IntegerField(
        _l("Link open for (days)"),
        default=SHARE_DEFAULT_VALID_DAYS,
        validators=[
            InputRequired(_l("Say how many days the link stays open.")),
            NumberRange(1, SHARE_MAX_VALID_DAYS,
                        _l("A link can stay open for 1 to %(max)d days.",
                           max=SHARE_MAX_VALID_DAYS)),
        ],
        render_kw={"inputmode": "numeric", "min": 1, "max": SHARE_MAX_VALID_DAYS},
    )
    reason = TextAreaField(
        _l("Reason for sharing (optional)"),
        filters=[_strip],
        validators=[Length(max=SHARE_REASON_MAX)],
        description=_l("Shown first in the summary, for example: \"Referral for a talk with "
                       "the POH-GGZ\"."),
    )
    consent = BooleanField(
        _l("I agree that this person may read my summary through the link until it expires."),
        validators=[DataRequired(_l("Tick the box to give your consent, or do not share."))],
    )


class PractitionerShareForm(ShareForm):
    """The same share, made by her practitioner after she consented."""

    consent = BooleanField(
        _l("She consented to this share (in person or by phone); her consent is recorded"
           " with the link."),
        validators=[DataRequired(_l("Share only after she consented."))],
    )


class RevokeShareForm(FlaskForm):
    """Only the CSRF token: revoking a link is one button."""
