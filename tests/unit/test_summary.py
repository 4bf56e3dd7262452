"""The pure parts of the progress summary: periods, averages, activities, file names, wrapping."""

from collections import namedtuple
from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.reports import summary as summary_module
from portal.reports.pdf import ZERO_WIDTH_SPACE, name_slug, soft_wrap
from portal.reports.summary import (
    MAX_RANGE_DAYS,
    MEASURES,
    Period,
    PeriodError,
    checked_period,
    last_days,
)

TODAY = date(2026, 11, 28)
Row = namedtuple("Row", ["day", *(m.key for m in MEASURES), "activities"], defaults=[None] * 10)
MOOD = next(measure for measure in MEASURES if measure.key == "mood")
SKIN = next(measure for measure in MEASURES if measure.key == "skin_to_skin_minutes")


@pytest.mark.parametrize("days", [7, 30, 90])
def test_last_days_end_today_and_count_today(days):
    period = last_days(days, TODAY)
    assert period.end == TODAY and period.days == days
    assert len(period.dates()) == days and period.dates()[-1] == TODAY


def test_the_previous_period_has_the_same_length_just_before():
    period = Period(date(2026, 10, 1), date(2026, 10, 30))
    assert period.previous() == Period(date(2026, 9, 1), date(2026, 9, 30))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (TODAY, TODAY - timedelta(days=1), "start date must be on or before"),
        (TODAY, TODAY + timedelta(days=1), "cannot be in the future"),
        (TODAY - timedelta(days=MAX_RANGE_DAYS), TODAY, "at most 366 days"),
    ],
)
def test_checked_period_refuses(start, end, message):
    with pytest.raises(PeriodError, match=message):
        checked_period(start, end, TODAY)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (TODAY, TODAY),
        (TODAY - timedelta(days=MAX_RANGE_DAYS - 1), TODAY),
        (date(2025, 1, 1), date(2025, 1, 2)),
    ],
)
def test_checked_period_accepts(start, end):
    assert checked_period(start, end, TODAY) == Period(start, end)


def test_an_average_rounds_half_up_and_changes_between_shown_values():
    now = [Row(TODAY, mood=3), Row(TODAY, mood=4), Row(TODAY, mood=4), Row(TODAY, mood=3)]
    before = [Row(TODAY, mood=2), Row(TODAY, mood=3), Row(TODAY, mood=3), Row(TODAY, mood=3)]
    average = summary_module._average(MOOD, now, before, "en")
    assert (average.value, average.previous) == (Decimal("3.5"), Decimal("2.8"))
    assert (average.change_text, average.change_words) == ("+0.7", "higher")
    assert average.days_logged == 4


def test_an_average_without_data_is_none_and_says_so():
    average = summary_module._average(MOOD, [Row(TODAY)], [], "en")
    assert (average.value, average.change) == (None, None)
    assert (average.value_text, average.previous_text, average.change_text) == ("–", "–", "")
    assert average.change_words == "no comparison"


def test_minutes_are_whole_and_dutch_uses_a_comma():
    now = [Row(TODAY, skin_to_skin_minutes=15), Row(TODAY, skin_to_skin_minutes=30)]
    before = [Row(TODAY, skin_to_skin_minutes=30)]
    average = summary_module._average(SKIN, now, before, "nl")
    assert (average.value_text, average.change_text, average.change_words) == ("23", "-7", "lower")
    mood = summary_module._average(MOOD, [Row(TODAY, mood=3), Row(TODAY, mood=4)], [], "nl")
    assert mood.value_text == "3,5"


def test_an_unchanged_average_says_the_same():
    average = summary_module._average(MOOD, [Row(TODAY, mood=3)], [Row(TODAY, mood=3)], "en")
    assert (average.change_text, average.change_words) == ("0.0", "the same")


def test_series_have_a_value_or_none_for_every_day():
    period = Period(date(2026, 10, 1), date(2026, 10, 4))
    rows = [Row(date(2026, 10, 2), mood=2, sleep_hours=6.5), Row(date(2026, 10, 4), mood=5)]
    series = summary_module._series(rows, period)
    assert series["mood"] == (None, 2.0, None, 5.0)
    assert series["sleep_hours"] == (None, 6.5, None, None)


def test_activities_count_days_and_keep_the_top_five():
    rows = [
        Row(TODAY, activities=["pet", "walk_outside", "walk_outside", "unknown"]),
        Row(TODAY, activities=["walk_outside", "hug", "breathing", "meditation", "fibre_meal"]),
        Row(TODAY, activities=[]),
        Row(TODAY, activities=None),
    ]
    counts = [(a.key, a.count) for a in summary_module._activities(rows)]
    assert counts == [
        ("walk_outside", 2),
        ("hug", 1),
        ("breathing", 1),
        ("meditation", 1),
        ("fibre_meal", 1),
    ]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Zoë Ünal-de Vries", "zoe-unal-de-vries"),
        ("Anouk  Meijer", "anouk-meijer"),
        ('Eva "de" Boer; rm -rf /\r\nX-Header: 1', "eva-de-boer-rm-rf-x-header-1"),
        ("Łucja Øster-Straße", "lucja-oster-strasse"),
        ("李小龙", "client"),
        ("", "client"),
        ("a" * 200, "a" * 60),
    ],
)
def test_name_slug_is_short_plain_ascii(name, slug):
    assert name_slug(name) == slug


def test_soft_wrap_breaks_only_long_runs():
    assert soft_wrap("a short note, nothing to do") == "a short note, nothing to do"
    wrapped = soft_wrap("x" * 95 + " tail")
    assert wrapped.replace(ZERO_WIDTH_SPACE, "") == "x" * 95 + " tail"
    assert [len(part) for part in wrapped.split(" ")[0].split(ZERO_WIDTH_SPACE)] == [30, 30, 30, 5]
