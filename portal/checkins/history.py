"""A client's recent days as charts and a list: the history page and the practitioner's view."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _

from portal import charts, measures
from portal.checkins.services import checkins_between
from portal.models import CheckIn, User

# One chart per measure: easier to read on a phone and in greyscale than four lines in one.
# Each has its measure's one name and colour (portal/measures.py), shared by its 7-day average.
CHART_SERIES = (
    ("mood", (1, 5)),
    ("tension", (1, 5)),
    ("energy", (1, 5)),
    ("bonding", (1, 5)),
    ("sleep_hours", (0, 12)),
)
# Drawn at about the width of a phone's column, so 13 px labels stay >= 12 px on screen.
CHART_WIDTH, CHART_HEIGHT, CHART_FONT = 380, 230, 13


@dataclass(frozen=True)
class History:
    start: date
    end: date
    checkins: list[CheckIn]  # newest first
    charts: list[charts.Chart]


def _number(value: float) -> str:
    return format_decimal(value, "0.0")


def checkin_charts(checkins: Sequence[CheckIn], start: date, end: date) -> list[charts.Chart]:
    """Draw one chart per measure for the days from start to end."""
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    by_day = {checkin.day: checkin for checkin in checkins}

    def values(field: str) -> list[float | None]:
        return [getattr(by_day[day], field) if day in by_day else None for day in days]

    drawn = []
    for field, y_range in CHART_SERIES:
        word = measures.name(field)
        title = (_("%(measure)s (hours)", measure=word) if field == "sleep_hours"
                 else _("%(measure)s (1 to 5)", measure=word))
        colour = measures.colour(field)
        series_values = values(field)
        if not any(value is not None for value in series_values):
            continue  # a scale she never filled in gets no empty chart
        drawn.append(charts.line_chart(
            str(title),
            days,
            [
                charts.Series(str(word), series_values),
                charts.Series(_("7-day average"), charts.rolling_average(series_values)),
            ],
            y_range=y_range,
            summary=charts.trend_summary(str(word), series_values, gettext=_,
                                         format_number=_number) + ".",
            width=CHART_WIDTH,
            height=CHART_HEIGHT,
            colours=(colour, colour),
            label_font_size=CHART_FONT,
        ))
    return drawn


def build_history(client: User, today: date, days: int) -> History:
    """Collect a client's last `days` days for the history page."""
    start = today - timedelta(days=days - 1)
    checkins = checkins_between(client, start, today)
    drawn = checkin_charts(checkins, start, today) if len(checkins) >= 2 else []
    return History(start=start, end=today, checkins=list(reversed(checkins)), charts=drawn)
