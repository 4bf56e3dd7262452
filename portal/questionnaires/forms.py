"""Questionnaire forms, built from an instrument's definition in the reader's language."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired

from portal.questionnaires.instruments import INSTRUMENT_KEYS, Instrument
from portal.submissions import SubmittedOnceForm


def questionnaire_form(instrument: Instrument, locale: str) -> SubmittedOnceForm:
    """Return a form with one required radio group per item; values are option indexes."""

    class QuestionnaireForm(SubmittedOnceForm):
        pass

    for item in instrument.items:
        choices = [(str(index), label) for index, label in enumerate(item.option_labels(locale))]
        setattr(
            QuestionnaireForm,
            item.id,
            RadioField(
                item.text(locale),
                choices=choices,
                validators=[InputRequired(message=_l("Please choose an answer to this question."))],
            ),
        )
    form = QuestionnaireForm()
    form.item_fields = [getattr(form, item.id) for item in instrument.items]
    return form


def answers_from(form: FlaskForm) -> dict[str, int]:
    """Return the chosen option index per item id."""
    return {field.name: int(field.data) for field in form.item_fields}


class InstallWordingForm(FlaskForm):
    instrument = SelectField(
        _l("Questionnaire"), choices=[(key, key.upper()) for key in INSTRUMENT_KEYS]
    )
    definition = FileField(
        _l("Definition file (JSON)"),
        validators=[
            FileRequired(message=_l("Choose a file to upload.")),
            FileAllowed(["json"], _l("Upload a .json file.")),
        ],
    )
