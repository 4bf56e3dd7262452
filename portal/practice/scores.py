"""Score and chart helpers shared by the dashboard and the client page: bands in staff
wording, number formats, the sleep scale's range.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_decimal, get_locale

from portal import labels
from portal.questionnaires.instruments import load_instrument

SCALE_RANGE = (1, 5)


SLEEP_RANGE_MIN_TOP = 12


def current_locale() -> str:
    return str(get_locale() or "nl")


def one_decimal(value: float) -> str:
    return format_decimal(value, "0.0")


def format_hours(value: float) -> str:
    """Format hours in the reader's locale, up to quarter hours (5.75, 7)."""
    return format_decimal(value, "0.##")


@dataclass(frozen=True)
class ScoreView:
    """A questionnaire total with its band in staff wording ("EPDS 14 – above the cut-off")."""

    total: int
    band_label: str
    band_level: int
    safety: bool
    submitted_at: datetime
    # The whole score in words, led by an item-10 answer when there is one.
    text: str = ""
    # Set when it was answered on placeholder or unvalidated wording.
    wording_note: str | None = None


def band_views(instrument_key: str) -> dict:
    return {band.key: band for band in load_instrument(instrument_key).bands}


def score_view(score, bands: dict, locale: str) -> ScoreView:
    band = bands.get(score.band)
    fallback = band.label(locale) if band else score.band
    return ScoreView(
        total=score.total,
        band_label=labels.staff_band_label(score.instrument, score.band, fallback),
        band_level=band.level if band else 0,
        safety=score.safety,
        submitted_at=score.submitted_at,
        text=labels.staff_headline(
            score.instrument, score.total, score.band, score.item_10, fallback
        ),
        wording_note=labels.wording_note(score.wording, score.wording_validated),
    )


def sleep_range(values: Sequence[float | None]) -> tuple[float, float]:
    logged = [value for value in values if value is not None]
    return (0, max([SLEEP_RANGE_MIN_TOP, *logged]))


def fingerprint(values: Sequence[float | None]) -> str:
    """Return a short fingerprint of the values, so a drawing's address changes with its data."""
    return hashlib.sha256(repr(list(values)).encode()).hexdigest()[:12]
