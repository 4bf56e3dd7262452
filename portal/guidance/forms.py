"""Guidance forms: assigning a module, writing module and lesson texts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

# Lesson and module texts are Markdown, parsed on every preview and view. The slowest texts
# for markdown-it-py (tests/perf/test_bench_bounded_input.py) cost a preview up to about 20
# microseconds of CPU per character, so this length keeps it well within a second even on a
# busy machine; the longest built-in lesson has under 3,000 characters.
MAX_BODY = 10_000
MAX_SUMMARY = 500
MAX_MESSAGE = 2_000


def no_nul(form, field):
    """Refuse NUL characters, which PostgreSQL cannot store in text."""
    if isinstance(field.data, str) and "\x00" in field.data:
        raise ValidationError(_l("This text contains a character that cannot be stored."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _newlines(value):
    # Browsers send CRLF from a textarea; store plain newlines so unchanged text compares equal.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class AssignForm(FlaskForm):
    module_id = SelectField(
        _l("Module"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose a module."))],
        validate_choice=True,
    )
    message = TextAreaField(
        _l("Personal message (optional)"),
        description=_l("She sees this above the module. Up to 2,000 characters."),
        filters=[_strip, _newlines],
        validators=[Optional(), Length(max=MAX_MESSAGE), no_nul],
    )
    submit = SubmitField(_l("Assign"))


class _TextForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Give it a title.")), Length(max=200), no_nul],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("One or two sentences shown in lists."),
        filters=[_strip, _newlines],
        validators=[Optional(), Length(max=MAX_SUMMARY), no_nul],
    )
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))

    @property
    def wants_preview(self) -> bool:
        """Tell whether the author asked for a preview instead of saving."""
        return bool(self.preview.data)


def _markdown_length() -> Length:
    return Length(
        max=MAX_BODY,
        message=_l(
            "Please keep the text under %(max)d characters, so that it stays quick to show.",
            max=MAX_BODY,
        ),
    )


class ModuleTextForm(_TextForm):
    body = TextAreaField(
        _l("Introduction (Markdown)"),
        description=_l("Shown at the top of the module page."),
        filters=[_newlines],
        validators=[Optional(), _markdown_length(), no_nul],
    )


class LessonTextForm(_TextForm):
    minutes = IntegerField(
        _l("Reading time in minutes"),
        default=3,
        validators=[InputRequired(message=_l("Enter a number of minutes.")), NumberRange(1, 60)],
    )
    body = TextAreaField(
        _l("Lesson text (Markdown)"),
        description=_l(
            "Link to a lesson with [text](lesson:module/lesson) and to a module with "
            "[text](module:module). A paragraph with only [[breathing-pacer]] shows the "
            "breathing pacer. Up to 10,000 characters."
        ),
        filters=[_newlines],
        validators=[
            DataRequired(message=_l("Write the lesson text.")),
            _markdown_length(),
            no_nul,
        ],
    )


def _locale_field():
    return RadioField(
        _l("Language"),
        choices=[("nl", "Nederlands"), ("en", "English")],
        default="nl",
        validators=[DataRequired()],
    )


class NewModuleForm(ModuleTextForm):
    locale = _locale_field()


class NewLessonForm(LessonTextForm):
    locale = _locale_field()
