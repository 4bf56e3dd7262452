"""The period of a progress summary, chosen in the query string of the page or the PDF."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from portal.input_guard import QueryDateField
from portal.reports.summary import (
    DEFAULT_DAYS,
    PERIOD_CHOICES,
    Period,
    PeriodError,
    checked_period,
    last_days,
)

DAY_LABELS = {
    7: _l("Last 7 days"),
    30: _l("Last 30 days"),
    90: _l("Last 90 days"),
}


class PeriodForm(FlaskForm):
    """Last 7, 30 or 90 days, or a chosen range of at most a year ending today at the latest."""

    class Meta:
        # A GET form that only selects what to show: nothing to forge.
        csrf = False

    days = SelectField(
        _l("Period"),
        choices=[(str(days), DAY_LABELS[days]) for days in PERIOD_CHOICES],
        default=str(DEFAULT_DAYS),
        validate_choice=False,
    )
    start = QueryDateField(
        _l("Or from"),
        validators=[Optional()],
        description=_l("Choose both dates for a period of your own (at most a year)."),
    )
    end = QueryDateField(_l("to"), validators=[Optional()])

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.period: Period | None = None

    def validate_days(self, field: SelectField) -> None:
        """Accept only the offered lengths."""
        if field.data not in {str(days) for days in PERIOD_CHOICES}:
            raise ValidationError(_l("Choose 7, 30 or 90 days."))

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then the range as a whole; set ``period`` when all is well."""
        if not super().validate(extra_validators):
            return False
        start, end = self.start.data, self.end.data
        if start is None and end is None:
            self.period = last_days(int(self.days.data), self.today)
            return True
        if start is None:
            self.start.errors.append(_l("Choose a start date as well."))
            return False
        if end is None:
            self.end.errors.append(_l("Choose an end date as well."))
            return False
        try:
            self.period = checked_period(start, end, self.today)
        except PeriodError as error:
            self.end.errors.append(str(error))
            return False
        return True

    def period_args(self) -> dict[str, str]:
        """Return the query arguments that select the validated period again (for links)."""
        assert self.period is not None
        if self.start.data is not None:
            return {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}
        return {"days": str(self.period.days)}


REFERRAL_REASON_MAX = 500


class ReferralReasonForm(FlaskForm):
    """The short reason for sharing a referral summary, printed first (optional)."""

    reason = TextAreaField(
        _l("Reason for sharing (optional)"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Optional(), Length(max=REFERRAL_REASON_MAX)],
    )
