"""The practitioner's score timelines: EPDS and GAD-7 totals over time, per item, with bands.

Takes the client's questionnaire responses (already loaded for the client page, so no extra
query) and returns plain views: a chart with the bands drawn in, a row per administration
with its change since the first and the previous one marked reliable or within measurement
error (``portal.questionnaires.trends``), and the item answers across administrations with
the safety item picked out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _

from portal import charts, labels
from portal.models import QuestionnaireResponse
from portal.questionnaires import trends
from portal.questionnaires.instruments import Instrument, load_instrument

# The instruments with a reliable change index, in the order the page shows them.
TREND_INSTRUMENTS = ("epds", "gad7")


@dataclass(frozen=True)
class ChangeView:
    """A change in words: "+5, reliable" or "+2, within measurement error"."""

    points_text: str
    reliable: bool
    direction: str
    words: str


@dataclass(frozen=True)
class TrendRow:
    """One administration: its date, total and band, and its changes."""

    date_text: str
    total: int
    band_label: str
    band_level: int
    since_first: ChangeView | None
    since_previous: ChangeView | None


@dataclass(frozen=True)
class ItemRow:
    """One item's scores across administrations, oldest first."""

    number: int
    text: str
    scores: tuple[int | None, ...]
    is_safety_item: bool


@dataclass(frozen=True)
class ScoreTrend:
    """Everything the client page shows about one instrument over time."""

    instrument: str
    name: str
    rows: tuple[TrendRow, ...]
    chart: charts.Chart
    bands_text: str
    method_text: str
    dates_text: tuple[str, ...]
    items: tuple[ItemRow, ...]


def score_trends(
    responses: Sequence[QuestionnaireResponse], locale: str, zone: str = "Europe/Amsterdam"
) -> list[ScoreTrend]:
    """Return the timeline of each instrument with a reliable change index she filled in."""
    result = []
    with force_locale(locale):
        for key in TREND_INSTRUMENTS:
            own = sorted(
                (response for response in responses if response.instrument == key),
                key=lambda response: (response.submitted_at, response.id),
            )
            if own:
                result.append(_trend(load_instrument(key), own, locale, ZoneInfo(zone)))
    return result


def _change_view(change: trends.Change | None) -> ChangeView | None:
    """Say a change with its sign and whether it is reliable."""
    if change is None:
        return None
    words = _("reliable change") if change.reliable else _("within measurement error")
    return ChangeView(f"{change.points:+d}", change.reliable, change.direction, words)


def _trend(
    instrument: Instrument, responses: Sequence[QuestionnaireResponse], locale: str, zone: ZoneInfo
) -> ScoreTrend:
    """Build one instrument's rows, chart and per-item table."""
    days = [response.submitted_at.astimezone(zone).date() for response in responses]
    administrations = [
        trends.Administration(day, response.total, tuple(response.item_scores or ()))
        for day, response in zip(days, responses, strict=True)
    ]
    timeline = trends.timeline(instrument.key, administrations)
    bands = {band.key: band for band in instrument.bands}
    rows = []
    for row, response in zip(timeline, responses, strict=True):
        band = bands.get(response.band) or next(
            (band for band in instrument.bands if band.covers(response.total)), None
        )
        rows.append(
            TrendRow(
                date_text=format_date(row.administration.submitted_on, "medium", locale=locale),
                total=response.total,
                band_label=(
                    labels.staff_band_label(instrument.key, band.key, band.label(locale))
                    if band
                    else response.band
                ),
                band_level=band.level if band else 0,
                since_first=_change_view(row.since_first),
                since_previous=_change_view(row.since_previous),
            )
        )
    short = _short_name(instrument)
    bands_text = "; ".join(
        f"{band.min}–{band.max} "
        f"{labels.staff_band_label(instrument.key, band.key, band.label(locale))}"
        for band in instrument.bands
    )
    latest = rows[-1]
    summary = _(
        "%(count)d times filled in; last %(total)d of %(max)d (%(band)s) on %(date)s",
        count=len(rows),
        total=latest.total,
        max=instrument.max_total,
        band=latest.band_label,
        date=latest.date_text,
    )
    chart = charts.score_chart(
        _("%(name)s total over time", name=short),
        days,
        [response.total for response in responses],
        boundaries=[band.min for band in instrument.bands if band.min > 0],
        max_total=instrument.max_total,
        summary=summary + ". " + _("Bands: %(bands)s", bands=bands_text),
        total_label=_("Total"),
        boundary_label=_("Band boundaries"),
        day_label=lambda day: format_date(day, "d MMM", locale=locale),
    )
    threshold = trends.RELIABLE_CHANGE[instrument.key]
    if trends.APPROXIMATE[instrument.key]:
        method = _(
            "A change of %(points)d points or more is marked reliable: larger than the"
            " measurement error. For the GAD-7 this is an approximation (the threshold NHS"
            " Talking Therapies uses), not validated after birth.",
            points=threshold,
        )
    else:
        method = _(
            "A change of %(points)d points or more is marked reliable: larger than the"
            " measurement error (Matthey 2004).",
            points=threshold,
        )
    items = tuple(
        ItemRow(
            number=item.number,
            text=item.text(locale),
            scores=tuple(
                scores[index] if index < len(scores) else None
                for scores in (administration.item_scores for administration in administrations)
            ),
            is_safety_item=item.id == instrument.safety_item,
        )
        for index, item in enumerate(instrument.items)
    )
    return ScoreTrend(
        instrument=instrument.key,
        name=instrument.name,
        rows=tuple(rows),
        chart=chart,
        bands_text=bands_text,
        method_text=method,
        dates_text=tuple(row.date_text for row in rows),
        items=items,
    )


def _short_name(instrument: Instrument) -> str:
    """Return the abbreviation the instrument is known by."""
    return {"epds": "EPDS", "gad7": "GAD-7"}.get(instrument.key, instrument.key.upper())
