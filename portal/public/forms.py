"""The public contact form for prospective clients."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

ENQUIRY_KINDS = {
    "appointment": _l("I would like to make an appointment"),
    "register": _l("I would like to register as a new client"),
    "question": _l("I have a question"),
}

# The same kinds as the practice reads them in its list of enquiries.
ENQUIRY_KIND_LABELS = {
    "appointment": _l("Wants an appointment"),
    "register": _l("Wants to register as a new client"),
    "question": _l("Question"),
}
assert ENQUIRY_KIND_LABELS.keys() == ENQUIRY_KINDS.keys()


class EnquiryForm(FlaskForm):
    kind = RadioField(
        _l("What can we do for you?"),
        choices=list(ENQUIRY_KINDS.items()),
        default="question",
        validators=[DataRequired()],
    )
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(
        _l("Your e-mail address"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    phone = StringField(
        _l("Phone number (optional)"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9 +()\-]*$", message=_l("Use only digits, spaces and + ( ) -.")),
        ],
    )
    message = TextAreaField(
        _l("Your message"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Please do not share medical details here. We will contact you."),
    )
