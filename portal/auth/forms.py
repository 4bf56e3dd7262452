"""Forms for signing in, accepting an invitation and resetting a password."""

from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, PasswordField, RadioField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal.models.users import DELIVERY_TYPES, FEEDING_TYPES
from portal.passwords import password_problems, verify_password
from portal.templating import DELIVERY_TYPE_LABELS, FEEDING_LABELS

PASSWORD_MESSAGES = {
    "too_short": _l("Use at least 12 characters. A short sentence is easy to remember."),
    "is_email": _l("Do not use your e-mail address as your password."),
    "too_common": _l("This password is too common. Please choose another one."),
}


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField(
        _l("Stay signed in on this phone"),
        description=_l(
            "For 30 days, only on a phone or computer that is yours alone. Practice staff are"
            " always signed out after 12 hours."
        ),
    )


class NewPasswordMixin:
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l("At least 12 characters. A short sentence works well."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    account_email = ""

    def validate_password(self, field):
        problems = password_problems(
            field.data or "", self.account_email, current_app.config["PASSWORD_MIN_LENGTH"]
        )
        if problems:
            raise ValidationError(PASSWORD_MESSAGES[problems[0]])


class ResetRequestForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


def _choices(labels: dict, keys: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(key, labels[key]) for key in keys]


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    consent = BooleanField(
        _l("I agree that the practice stores and uses my data as described above."),
        validators=[DataRequired(message=_l("We can only create your account with your consent."))],
    )


class AcceptClientInvitationForm(AcceptInvitationForm):
    delivery_date = DateField(
        _l("Date of birth of your baby"),
        validators=[Optional()],
        description=_l("You can leave this empty and fill it in later."),
    )
    delivery_type = RadioField(
        _l("How was your baby born?"),
        choices=_choices(DELIVERY_TYPE_LABELS, DELIVERY_TYPES),
        validators=[Optional()],
        validate_choice=True,
    )
    feeding = RadioField(
        _l("How do you feed your baby?"),
        choices=_choices(FEEDING_LABELS, FEEDING_TYPES),
        validators=[Optional()],
    )
    baby_name = StringField(
        _l("Your baby's name (optional)"), validators=[Optional(), Length(max=80)]
    )

    def validate_delivery_date(self, field):
        if field.data is None:
            return
        if field.data > date.today():
            raise ValidationError(_l("This date lies in the future."))
        if field.data < date.today() - timedelta(days=3 * 366):
            raise ValidationError(_l("This date is too long ago for this portal."))


class LanguageForm(FlaskForm):
    locale = RadioField(
        choices=[("nl", "Nederlands"), ("en", "English")], validators=[InputRequired()]
    )
    next = StringField(validators=[Optional(), Length(max=500)])


class TwoFactorCodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=_l("Please enter the code.")), Length(max=40)],
        description=_l(
            "The 6 digits your authenticator app shows now, or one of your recovery codes."
        ),
    )


class CurrentPasswordMixin:
    """A fresh check of the signed-in person's password before a sensitive step."""

    current_password = PasswordField(
        _l("Your current password"),
        validators=[
            DataRequired(message=_l("Please enter your current password.")),
            Length(max=1000),
        ],
    )
    account_password_hash: str | None = None

    def validate_current_password(self, field):
        if not verify_password(self.account_password_hash, field.data or ""):
            raise ValidationError(_l("This is not your current password."))


class RecoveryCodesForm(CurrentPasswordMixin, FlaskForm):
    pass


class TwoFactorSetupForm(CurrentPasswordMixin, FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(message=_l("Please enter the code.")), Length(max=40)],
        description=_l("The 6 digits the app shows after you added the account."),
    )


class TwoFactorDisableForm(CurrentPasswordMixin, FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(message=_l("Please enter the code.")), Length(max=40)],
    )
