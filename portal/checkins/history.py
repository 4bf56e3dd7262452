"""A client's recent days as charts and a list: the history page and the practitioner's view."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for
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
    charts: list[charts.Chart | charts.ChartLink]


def _number(value: float) -> str:
    return format_decimal(value, "0.0")


@dataclass(frozen=True)
class _Measure:
    """What one measure's chart shows, before it is drawn."""

    field: str
    title: str
    days: list[date]
    series: list[charts.Series]
    y_range: tuple[float, float]
    summary: str


def _measures(checkins: Sequence[CheckIn], start: date, end: date) -> list[_Measure]:
    """Describe one chart per measure she filled in, for the days from start to end."""
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    by_day = {checkin.day: checkin for checkin in checkins}
    found = []
    for field, y_range in CHART_SERIES:
        values = [getattr(by_day[day], field) if day in by_day else None for day in days]
        if not any(value is not None for value in values):
            continue  # a scale she never filled in gets no empty chart
        word = measures.name(field)
        title = (_("%(measure)s (hours)", measure=word) if field == "sleep_hours"
                 else _("%(measure)s (1 to 5)", measure=word))
        found.append(_Measure(
            field,
            str(title),
            days,
            [
                charts.Series(str(word), values),
                charts.Series(_("7-day average"), charts.rolling_average(values)),
            ],
            y_range,
            charts.trend_summary(str(word), values, gettext=_, format_number=_number) + ".",
        ))
    return found


def _draw(measure: _Measure) -> charts.Chart:
    colour = measures.colour(measure.field)
    return charts.line_chart(
        measure.title,
        measure.days,
        measure.series,
        y_range=measure.y_range,
        summary=measure.summary,
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        colours=(colour, colour),
        label_font_size=CHART_FONT,
    )


def build_history(client: User, today: date, days: int) -> History:
    """Collect a client's last `days` days for the history page.

    The first chart is drawn into the page, where a phone shows it at once; the others are
    named by their words and an address (lazy images), so the page stays small enough to
    reach a phone in one round trip.
    """
    start = today - timedelta(days=days - 1)
    checkins = checkins_between(client, start, today)
    found = _measures(checkins, start, today) if len(checkins) >= 2 else []
    shown: list[charts.Chart | charts.ChartLink] = [_draw(measure) for measure in found[:1]]
    shown += [
        charts.ChartLink(
            f"{measure.title}: {measure.summary}",
            measure.summary,
            url_for("checkins.history_chart", measure=measure.field, days=days),
            CHART_WIDTH,
            CHART_HEIGHT,
        )
        for measure in found[1:]
    ]
    return History(start=start, end=today, checkins=list(reversed(checkins)), charts=shown)


def measure_chart(client: User, today: date, days: int, field: str) -> charts.Chart | None:
    """Draw one measure's chart of the history page, or None if it has none."""
    start = today - timedelta(days=days - 1)
    checkins = checkins_between(client, start, today)
    if len(checkins) < 2:
        return None
    for measure in _measures(checkins, start, today):
        if measure.field == field:
            return _draw(measure)
    return None
