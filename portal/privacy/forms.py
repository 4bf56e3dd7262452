"""Forms of the account page: password, e-mail, data download, consent, erasure."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from portal.auth.forms import CurrentPasswordMixin, NewPasswordMixin
from portal.auth.services import normalise_email

REASON_MAX = 2000


class PasswordChangeForm(CurrentPasswordMixin, NewPasswordMixin, FlaskForm):
    def validate_password(self, field):
        super().validate_password(field)
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("Choose a password that differs from the current one."))


class EmailChangeForm(CurrentPasswordMixin, FlaskForm):
    new_email = StringField(
        _l("New e-mail address"),
        validators=[
            DataRequired(message=_l("Please enter the new e-mail address.")),
            Email(message=_l("This is not a valid e-mail address.")),
            Length(max=254),
        ],
        description=_l(
            "We send a link to the new address. It becomes your sign-in address when you open"
            " that link."
        ),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    account_email = ""

    def validate_new_email(self, field):
        # Whether another account has this address is not checked here: the answer would tell
        # anyone who signs in which addresses have accounts. The service deals with it.
        if normalise_email(field.data or "") == self.account_email:
            raise ValidationError(_l("This is already your e-mail address."))


class EmailConfirmForm(FlaskForm):
    """The button behind an e-mailed link: opening a link alone changes nothing, as mail
    programs open links to check them."""


class ExportForm(CurrentPasswordMixin, FlaskForm):
    pass


class ErasureRequestForm(CurrentPasswordMixin, FlaskForm):
    confirm = BooleanField(
        _l("I understand that erasing my data cannot be undone."),
        validators=[DataRequired(message=_l("Please tick the box to confirm."))],
    )


class ConsentWithdrawForm(FlaskForm):
    # A second, deliberate step: one stray tap must not stop her care's data.
    confirm = BooleanField(
        _l("Yes, I want to withdraw my consent."),
        validators=[DataRequired(message=_l("Please tick the box to confirm."))],
    )


class SignOutForm(FlaskForm):
    """A "sign out" button on her list of devices (one device, or all of them)."""


class ConsentGiveForm(FlaskForm):
    agree = BooleanField(
        _l("I agree that the practice stores and uses my data as described above."),
        validators=[DataRequired(message=_l("Please tick the box to give your consent."))],
    )


class ErasureDecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            ("erase", _l("Erase her data and account now")),
            ("keep", _l("Keep the record (a legal duty to keep it applies)")),
        ],
        validators=[InputRequired(message=_l("Please choose erase or keep."))],
    )
    reason = TextAreaField(
        _l("Reason for keeping"),
        validators=[Length(max=REASON_MAX)],
        description=_l("Required when keeping. The client reads this reason."),
    )

    def validate_reason(self, field):
        if self.decision.data == "keep" and not (field.data or "").strip():
            raise ValidationError(_l("Please write why the record is kept."))
