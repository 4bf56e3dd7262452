"""Admin forms: invite a person, edit an account, reset a lost two-step sign-in."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from portal.auth.services import find_user_by_email


class InviteForm(FlaskForm):
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    role = RadioField(
        _l("Role"),
        choices=[
            ("client", _l("Client")),
            ("practitioner", _l("Practitioner")),
            ("admin", _l("Administrator")),
        ],
        default="client",
        validators=[DataRequired()],
    )
    practitioner_id = SelectField(_l("Practitioner (for a client)"), coerce=int, default=0)
    locale = RadioField(
        _l("Language of the invitation"),
        choices=[("nl", "Nederlands"), ("en", "English")],
        default="nl",
        validators=[DataRequired()],
    )

    def validate_email(self, field):
        if find_user_by_email(field.data or "") is not None:
            raise ValidationError(_l("There is already an account with this e-mail address."))

    def validate_practitioner_id(self, field):
        if self.role.data == "client" and not field.data:
            raise ValidationError(_l("Choose the practitioner for this client."))


class EnquiryInviteForm(FlaskForm):
    """Turn a registration or appointment enquiry into a client invitation: the practitioner."""

    practitioner_id = SelectField(_l("Practitioner"), coerce=int, default=0)

    def validate_practitioner_id(self, field):
        if not field.data:
            raise ValidationError(_l("Choose the practitioner for this client."))


class EditUserForm(FlaskForm):
    practitioner_id = SelectField(_l("Practitioner"), coerce=int, default=0)
    active = BooleanField(_l("Account is active"))
    # Only for a practitioner who still has clients: who takes them over on deactivation.
    handover_id = SelectField(
        _l("Hand the clients to"),
        coerce=int,
        default=0,
        description=_l("Needed when you deactivate a practitioner who still has clients."),
    )


class ReassignClientForm(FlaskForm):
    """Hand a client with an urgent flag to a practitioner who can act on it."""

    practitioner_id = SelectField(
        _l("Hand her to"),
        coerce=int,
        default=0,
        validators=[DataRequired(message=_l("Choose a practitioner who can act on it."))],
    )


class ResetTwoFactorForm(FlaskForm):
    confirmed = BooleanField(
        _l("I checked that this request really comes from this person (by phone or in person)."),
        validators=[DataRequired(message=_l("Please confirm that you checked who is asking."))],
    )
