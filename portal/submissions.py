"""One-time submission ids: each form is drawn with its own id, so a repeat is recognised.

A reload, Back and Send again, a double tap or a browser retrying over a flaky network all send
the same id a second time. The service that stores the submission keys on it (a unique column
for questionnaire responses; the day for a check-in), so the repeat stores nothing new.
"""

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import ValidationError

REFUSED = _l("This form did not arrive as it should, so nothing was saved. Please send it again.")


def new_submission_id() -> str:
    """Draw a fresh submission id."""
    return str(uuid.uuid4())


class SubmissionIdField(HiddenField):
    """A hidden one-time id: drawn when the form is built without posted data, required back.

    After validation `data` is a `uuid.UUID`. A missing or malformed id is an error on the form
    (the view answers 422), and the form is then drawn with a fresh id she can send.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("default", new_submission_id)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        # Posted without an id, the field must not fall back on a freshly drawn one.
        self.data = valuelist[0] if valuelist else None

    def pre_validate(self, form):
        text = self.data if isinstance(self.data, str) else ""
        try:
            parsed = uuid.UUID(text)
        except ValueError:
            raise ValidationError(REFUSED) from None
        if str(parsed) != text.lower():  # only the canonical form the page draws
            raise ValidationError(REFUSED)
        self.data = parsed

    def post_validate(self, form, validation_stopped):
        if self.errors:
            self.data = new_submission_id()

    def refuse(self) -> None:
        """Refuse an id the store will not take (another submission holds it); draw a new one."""
        self.errors = [*self.errors, REFUSED]
        self.data = new_submission_id()


class SubmittedOnceForm(FlaskForm):
    """A form that carries a one-time submission id."""

    submission_id = SubmissionIdField()
