"""The flag rules at, below and above every boundary of the DOMAIN.md flag table."""

import json
import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.flags import (
    LEVEL_RANK,
    LEVELS,
    RULES,
    ClientData,
    DayLog,
    FlagResult,
    QuestionnaireResult,
    Thresholds,
    evaluate,
)

TODAY = date(2024, 3, 15)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def series(values, field="mood", end=TODAY, **fixed) -> list[DayLog]:
    """Return one log per value on consecutive days ending at ``end``, oldest first."""
    first = end - timedelta(days=len(values) - 1)
    logs = []
    for offset, value in enumerate(values):
        fields = {"mood": 3, **fixed, field: value}
        logs.append(DayLog(day=first + timedelta(days=offset), **fields))
    return logs


def client(checkins=(), questionnaires=(), **kwargs) -> ClientData:
    return ClientData(
        today=TODAY,
        checkins=tuple(checkins),
        questionnaires=tuple(questionnaires),
        **kwargs,
    )


def epds(total, *, item_10=None, safety=None, id=1, on=TODAY) -> QuestionnaireResult:
    item_scores = () if item_10 is None else (0,) * 9 + (item_10,)
    if safety is None:
        safety = item_10 is not None and item_10 >= 1
    return QuestionnaireResult(id, "epds", total, safety, item_scores, on)


def gad7(total, *, id=2, on=TODAY) -> QuestionnaireResult:
    return QuestionnaireResult(id, "gad7", total, False, (), on)


def run(rule: str, data: ClientData, **overrides) -> FlagResult | None:
    return RULES[rule](data, Thresholds(**overrides))


def level(rule: str, data: ClientData, **overrides) -> str | None:
    result = run(rule, data, **overrides)
    return result.level if result else None


def test_levels_and_rule_order():
    assert LEVELS == ("urgent", "high", "medium", "low")
    assert LEVEL_RANK == {"urgent": 0, "high": 1, "medium": 2, "low": 3}
    assert list(RULES) == [
        "safety",
        "epds_high",
        "epds_raised",
        "anxiety",
        "low_mood",
        "short_sleep",
        "bonding",
        "worsening",
        "silent",
        "epds_rose",
    ]


def test_no_data_raises_nothing():
    assert evaluate(client()) == []


# --- safety -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("item_10", "scorer_safety", "expected"),
    [
        (0, False, None),
        (1, True, "urgent"),
        (3, True, "urgent"),
        (None, True, "urgent"),  # no item scores: the scorer's mark decides
        (None, False, None),
        (1, False, "urgent"),  # item 10 at the threshold fires even unmarked
    ],
)
def test_safety_answer(item_10, scorer_safety, expected):
    data = client(questionnaires=[epds(5, item_10=item_10, safety=scorer_safety, id=41)])
    result = run("safety", data)
    assert (result.level if result else None) == expected
    if result:
        assert result.key == "41"
        assert result.evidence["response_id"] == 41
        assert result.evidence["item_10"] == item_10


@pytest.mark.parametrize(
    ("item_10", "scorer_safety", "expected"),
    [
        (1, False, None),  # below a raised threshold
        (2, False, "urgent"),  # at it
        (1, True, "urgent"),  # the scorer's own mark is never overruled
    ],
)
def test_safety_threshold_from_config(item_10, scorer_safety, expected):
    data = client(questionnaires=[epds(5, item_10=item_10, safety=scorer_safety)])
    thresholds = Thresholds.from_mapping({"epds_urgent_item_score": 2})
    result = RULES["safety"](data, thresholds)
    assert (result.level if result else None) == expected


def test_safety_reads_only_the_latest_epds():
    old = epds(20, item_10=2, id=1, on=ago(20))
    new = epds(4, item_10=0, id=2, on=ago(1))
    assert run("safety", client(questionnaires=[old, new])) is None
    assert run("safety", client(questionnaires=[new, old])) is None


def test_latest_epds_on_the_same_day_is_the_highest_id():
    first = epds(4, item_10=0, id=7)
    second = epds(4, item_10=1, id=8)
    assert run("safety", client(questionnaires=[second, first])).key == "8"


def test_a_new_response_is_a_new_episode_key():
    first = run("safety", client(questionnaires=[epds(5, item_10=1, id=3, on=ago(30))]))
    second = run("safety", client(questionnaires=[epds(5, item_10=1, id=9)]))
    assert first.key == "3"
    assert second.key == "9"


# --- EPDS totals --------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "high", "raised"),
    [
        (0, None, None),
        (9, None, None),
        (10, None, "medium"),
        (11, None, "medium"),
        (12, None, "medium"),
        (13, "high", None),
        (30, "high", None),
    ],
)
def test_epds_bands(total, high, raised):
    data = client(questionnaires=[epds(total, id=5)])
    assert level("epds_high", data) == high
    assert level("epds_raised", data) == raised
    for rule in ("epds_high", "epds_raised"):
        result = run(rule, data)
        if result:
            assert result.key == "5"
            assert result.evidence == {
                "response_id": 5,
                "total": total,
                "submitted_on": TODAY.isoformat(),
            }


def test_epds_reads_only_the_latest_response():
    data = client(questionnaires=[epds(25, id=1, on=ago(28)), epds(6, id=2, on=ago(1))])
    assert run("epds_high", data) is None
    assert run("epds_raised", data) is None


def test_gad7_does_not_count_as_epds():
    data = client(questionnaires=[gad7(20)])
    assert run("epds_high", data) is None
    assert run("safety", data) is None


# --- anxiety -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "expected"),
    [(0, None), (9, None), (10, "medium"), (14, "medium"), (15, "high"), (21, "high")],
)
def test_anxiety(total, expected):
    data = client(questionnaires=[gad7(total, id=12)])
    result = run("anxiety", data)
    assert (result.level if result else None) == expected
    if result:
        assert result.key == "12"
        assert result.evidence["total"] == total


def test_anxiety_reads_only_the_latest_gad7():
    data = client(questionnaires=[gad7(18, id=1, on=ago(14)), gad7(4, id=2, on=ago(0))])
    assert run("anxiety", data) is None


# --- low mood ----------------------------------------------------------------
#
# DOMAIN.md: mood <= 2 on 3 of the last 5 logged days within 7 calendar days (medium);
# on 5 of the last 7 logged days within 10 calendar days (high). "Within N calendar days"
# is today and the N - 1 days before it.


def on_days(values: dict[int, float | None], field: str = "mood", **fixed) -> list[DayLog]:
    """Return one log per {days ago: value}, oldest first (mood 3 unless it is the field)."""
    logs = []
    for days_ago, value in sorted(values.items(), reverse=True):
        logs.append(DayLog(day=ago(days_ago), **{"mood": 3, **fixed, field: value}))
    return logs


@pytest.mark.parametrize(
    ("moods", "expected"),
    [
        ({}, None),
        ({1: 2, 0: 2}, None),  # two low days are too few
        ({2: 2, 1: 2, 0: 2}, "medium"),
        ({2: 3, 1: 3, 0: 3}, None),  # 3 is not low
        ({2: 1, 1: 1, 0: 1}, "medium"),
        # The 7-calendar-day limit: today - 6 is inside, today - 7 outside.
        ({6: 2, 5: 2, 0: 2}, "medium"),
        ({7: 2, 5: 2, 0: 2}, None),
        # Low days need not be in a row, and today need not be low.
        ({4: 2, 3: 3, 2: 2, 1: 3, 0: 2}, "medium"),
        ({4: 2, 3: 2, 2: 3, 1: 2, 0: 3}, "medium"),
        # Only the last 5 logged days count: the low day 5 days ago is the sixth back.
        ({5: 2, 4: 3, 3: 2, 2: 3, 1: 3, 0: 2}, None),
        # Issue 14: two days of mood 1 forty days ago and a 2 today are not "3 in a row".
        ({40: 1, 39: 1, 0: 2}, None),
        ({10: 1, 9: 1, 8: 1, 7: 1, 0: 3}, None),  # an old run is outside every window
        # High: 5 low of the last 7 logged days within 10 calendar days.
        ({4: 2, 3: 2, 2: 2, 1: 2, 0: 2}, "high"),
        ({4: 2, 3: 2, 2: 2, 1: 2, 0: 3}, "medium"),  # 4 low days
        ({9: 2, 8: 2, 7: 2, 6: 2, 5: 2, 1: 4, 0: 4}, "high"),  # today - 9 is inside
        ({10: 2, 8: 2, 7: 2, 6: 2, 5: 2, 1: 4, 0: 4}, None),  # today - 10 is outside
        # The fifth low day is the eighth logged day back.
        ({7: 2, 6: 2, 5: 2, 4: 2, 3: 2, 2: 4, 1: 4, 0: 4}, None),
        ({6: 2, 5: 4, 4: 2, 3: 4, 2: 2, 1: 4, 0: 2}, "medium"),  # 4 of 7, 3 of 5
        ({6: 2, 5: 2, 4: 2, 3: 4, 2: 2, 1: 4, 0: 2}, "high"),  # 5 of 7
    ],
)
def test_low_mood_windows(moods, expected):
    result = run("low_mood", client(on_days(moods)))
    assert (result.level if result else None) == expected
    if result:
        assert result.key is None


def test_low_mood_on_21_days_of_2_2_3_fires():
    """Issue 14: each 3 broke the old streak, so three weeks of low mood raised nothing."""
    assert level("low_mood", client(series([2, 2, 3] * 7))) == "medium"


def test_low_mood_evidence_names_the_low_days_oldest_first():
    logs = on_days({6: 2, 5: 4, 3: 2, 0: 1})
    result = run("low_mood", client(reversed(logs)))  # input order does not matter
    assert result.evidence == {
        "low_days": 3,
        "logged_days": 4,
        "calendar_days": 7,
        "days": [ago(6).isoformat(), ago(3).isoformat(), TODAY.isoformat()],
        "moods": [2, 2, 1],
    }


def test_low_mood_high_evidence_reads_the_high_window():
    result = run("low_mood", client(on_days({9: 1, 8: 2, 7: 2, 6: 2, 5: 2, 1: 4, 0: 4})))
    assert result.level == "high"
    assert result.evidence["low_days"] == 5
    assert result.evidence["logged_days"] == 7
    assert result.evidence["calendar_days"] == 10
    assert result.evidence["days"][0] == ago(9).isoformat()


@pytest.mark.parametrize(
    ("overrides", "moods", "expected"),
    [
        ({"low_mood_days": 2}, {1: 2, 0: 2}, "medium"),
        ({"low_mood_max": 3}, {2: 3, 1: 3, 0: 3}, "medium"),
        ({"low_mood_days_high": 4}, {3: 2, 2: 2, 1: 2, 0: 2}, "high"),
        ({"low_mood_calendar_days": 8}, {7: 2, 5: 2, 0: 2}, "medium"),
        ({"low_mood_window": 6}, {5: 2, 4: 3, 3: 2, 2: 3, 1: 3, 0: 2}, "medium"),
    ],
)
def test_low_mood_thresholds(overrides, moods, expected):
    assert level("low_mood", client(on_days(moods)), **overrides) == expected


# --- short sleep -------------------------------------------------------------
#
# DOMAIN.md: from week 4 postpartum, mean sleep_hours < 5 over the last 7 logged days within
# 14 calendar days, with at least 4 logged.


def postpartum(checkins, weeks_ago: float | None = 8, days_ago: int | None = None, **kwargs):
    """Return client data of a mother who gave birth some time ago (None: date unknown)."""
    if days_ago is None and weeks_ago is not None:
        days_ago = round(weeks_ago * 7)
    delivery = ago(days_ago) if days_ago is not None else None
    return client(checkins, delivery_date=delivery, **kwargs)


@pytest.mark.parametrize(
    ("hours", "expected", "mean"),
    [
        ([4.99] * 4, "medium", 4.99),
        ([5.0] * 4, None, None),
        ([5.01] * 4, None, None),
        ([4.75, 5.25, 4.75, 5.25], None, None),  # mean exactly 5.0
        ([3.1, 6.6, 6.6, 3.7], None, None),  # exactly 5.0; a float mean says 4.999...
        ([4.75, 5.25, 4.75, 5.0], "medium", 4.94),
        ([4.0] * 3, None, None),  # 3 logged nights are too few
        ([4.0] * 4, "medium", 4.0),
        ([2.0, 8.0, 2.0, 8.0, 2.0, 8.0, 2.0], "medium", 4.57),
        # Only the last 7 nights count: the 1.0 is the eighth back.
        ([1.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0], None, None),
        ([5.0, 1.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0], "medium", 4.43),
    ],
)
def test_short_sleep(hours, expected, mean):
    result = run("short_sleep", postpartum(series(hours, field="sleep_hours")))
    assert (result.level if result else None) == expected
    if result:
        assert result.evidence["mean_sleep_hours"] == mean
        assert result.evidence["logged_days"] == min(len(hours), 7)
        assert result.evidence["to"] == TODAY.isoformat()


@pytest.mark.parametrize(
    ("nights", "expected"),
    [
        ({13: 4.0, 2: 4.0, 1: 4.0, 0: 4.0}, "medium"),  # today - 13 is inside 14 days
        ({14: 4.0, 2: 4.0, 1: 4.0, 0: 4.0}, None),  # today - 14 is outside
        ({40: 1.0, 30: 1.0, 1: 4.0, 0: 4.0}, None),  # nights weeks ago never count
    ],
)
def test_short_sleep_reads_14_calendar_days(nights, expected):
    assert level("short_sleep", postpartum(on_days(nights, "sleep_hours"))) == expected


@pytest.mark.parametrize(
    ("delivered_days_ago", "expected"),
    [
        (27, None),  # still week 3: short nights are expected
        (28, None),  # week 4 begins today: one night counts, too few
        (30, None),  # three nights from week 4 on
        (31, "medium"),  # four nights from week 4 on
        (60, "medium"),
        (None, "medium"),  # no delivery date: every night counts
    ],
)
def test_short_sleep_counts_only_from_week_4_postpartum(delivered_days_ago, expected):
    nights = on_days({3: 4.0, 2: 4.0, 1: 4.0, 0: 4.0}, "sleep_hours")
    data = postpartum(nights, weeks_ago=None, days_ago=delivered_days_ago)
    assert level("short_sleep", data) == expected


def test_short_sleep_skips_days_without_sleep_hours():
    logs = series([4.0, None, 4.0, None, 4.0, None, None, 4.0], field="sleep_hours")
    result = run("short_sleep", postpartum(logs))
    assert result.evidence == {
        "mean_sleep_hours": 4.0,
        "logged_days": 4,
        "from": ago(7).isoformat(),
        "to": TODAY.isoformat(),
    }
    assert run("short_sleep", postpartum(logs[1:])) is None  # 3 nights left


def test_short_sleep_threshold_from_config():
    logs = postpartum(series([5.5] * 4, field="sleep_hours"))
    assert run("short_sleep", logs) is None
    thresholds = Thresholds.from_mapping({"short_sleep_hours": 6})
    assert RULES["short_sleep"](logs, thresholds).level == "medium"
    early = postpartum(series([4.0] * 4, field="sleep_hours"), weeks_ago=3)
    assert run("short_sleep", early) is None
    assert run("short_sleep", early, short_sleep_from_week=2).level == "medium"


# --- bonding -----------------------------------------------------------------
#
# DOMAIN.md: bonding <= 2 on 3 of the last 7 logged days within 14 calendar days.


@pytest.mark.parametrize(
    ("bondings", "expected", "low_days"),
    [
        ([2, 2, 3, 3, 3, 3, 3], None, 2),
        ([2, 2, 2, 3, 3, 3, 3], "medium", 3),
        ([3, 3, 3, 3, 1, 2, 1], "medium", 3),
        ([1, 3, 1, 3, 1, 3, 1], "medium", 4),
        ([2, 2, 2], "medium", 3),
        ([3, 3, 3], None, 0),  # 3 is not low
        # Only the last 7 logged values count.
        ([2, 2, 2, 3, 3, 3, 3, 3, 3, 3], None, 0),
        ([3, 2, 2, 2, 3, 3, 3, 3], "medium", 3),
        ([2, 3, 2, 2, 3, 3, 3, 3], None, 2),  # the first 2 is the eighth back
    ],
)
def test_bonding(bondings, expected, low_days):
    result = run("bonding", client(series(bondings, field="bonding")))
    assert (result.level if result else None) == expected
    if result:
        assert result.evidence["low_days"] == low_days
        assert result.evidence["logged_days"] == min(len(bondings), 7)


@pytest.mark.parametrize(
    ("bondings", "expected"),
    [
        ({13: 2, 1: 2, 0: 2}, "medium"),  # today - 13 is inside 14 days
        ({14: 2, 1: 2, 0: 2}, None),  # today - 14 is outside
        ({40: 1, 30: 1, 0: 2}, None),  # issue 14: "last 7 logged days" reached back 45 days
    ],
)
def test_bonding_reads_14_calendar_days(bondings, expected):
    assert level("bonding", client(on_days(bondings, "bonding"))) == expected


def test_bonding_skips_days_without_a_value():
    logs = series([2, None, None, None, None, 2, None, None, 2], field="bonding")
    result = run("bonding", client(logs))
    assert result.evidence == {
        "low_days": 3,
        "logged_days": 3,
        "calendar_days": 14,
        "days": [ago(8).isoformat(), ago(3).isoformat(), TODAY.isoformat()],
        "bondings": [2, 2, 2],
    }


# --- worsening ----------------------------------------------------------------


def weeks(previous, recent) -> list[DayLog]:
    """Return moods from today-13 on for ``previous`` and from today-6 on for ``recent``."""
    logs = [DayLog(ago(13 - offset), mood) for offset, mood in enumerate(previous)]
    logs += [DayLog(ago(6 - offset), mood) for offset, mood in enumerate(recent)]
    return logs


@pytest.mark.parametrize(
    ("previous", "recent", "expected"),
    [
        ([4] * 7, [3] * 7, "low"),  # drop 1.0
        ([4] * 7, [3] * 6 + [4], None),  # drop 0.86
        ([4] * 7, [3] * 6 + [2], "low"),  # drop 1.14
        ([4, 4, 5], [3, 3, 4], "low"),  # drop exactly 1 at the 3-day minimum
        ([4, 4], [3] * 7, None),  # 2 days before are too few
        ([4] * 7, [3, 3], None),  # 2 recent days are too few
        ([3] * 7, [4] * 7, None),  # improving
        ([4] * 7, [4] * 7, None),
        (
            [5, 4, 5, 4, 5, 4, 5],
            [4, 3, 4, 3, 4, 4, 3],
            "low",
        ),  # 32/7 -> 25/7: exactly 1
        ([5, 4, 5, 4, 5, 4, 5], [4, 3, 4, 3, 4, 4, 4], None),  # 32/7 -> 26/7: 0.86
    ],
)
def test_worsening(previous, recent, expected):
    assert level("worsening", client(weeks(previous, recent))) == expected


def test_worsening_evidence():
    result = run("worsening", client(weeks([4, 4, 5], [3] * 7)))
    assert result.evidence == {
        "recent_mean": 3.0,
        "previous_mean": 4.33,
        "drop": 1.33,
        "recent_days": 7,
        "previous_days": 3,
        "from": ago(13).isoformat(),
        "to": TODAY.isoformat(),
    }
    assert result.key is None


@pytest.mark.parametrize(("oldest", "expected"), [(13, "low"), (14, None)])
def test_worsening_previous_window_starts_at_today_minus_13(oldest, expected):
    logs = [DayLog(ago(oldest), 4), DayLog(ago(10), 4), DayLog(ago(7), 4)]
    logs += [DayLog(ago(days), 3) for days in (6, 3, 0)]
    assert level("worsening", client(logs)) == expected


@pytest.mark.parametrize(("newest", "expected"), [(7, None), (6, "low")])
def test_worsening_recent_window_starts_at_today_minus_6(newest, expected):
    logs = [DayLog(ago(days), 4) for days in (13, 12, 11)]
    logs += [DayLog(ago(newest), 3), DayLog(ago(3), 3), DayLog(ago(0), 3)]
    assert level("worsening", client(logs)) == expected


@pytest.mark.parametrize(("drop", "expected"), [(0.99, "low"), (1.0, "low"), (1.01, None)])
def test_worsening_drop_from_config(drop, expected):
    thresholds = Thresholds.from_mapping({"worsening_drop": drop})
    result = RULES["worsening"](client(weeks([4] * 7, [3] * 7)), thresholds)
    assert (result.level if result else None) == expected


# --- silent -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_checkin", "expected"),
    [(0, None), (1, None), (3, None), (4, "low"), (5, "low"), (30, "low")],
)
def test_silent(last_checkin, expected):
    data = client([DayLog(ago(40), 3), DayLog(ago(last_checkin), 3)], started_on=ago(60))
    result = run("silent", data)
    assert (result.level if result else None) == expected
    if result:
        assert result.evidence == {
            "last_checkin": ago(last_checkin).isoformat(),
            "started_on": ago(60).isoformat(),
            "days": last_checkin,
        }


def test_silent_never_for_an_inactive_client():
    assert run("silent", client([DayLog(ago(10), 3)], active=False)) is None
    assert run("silent", client(started_on=ago(10), active=False)) is None


@pytest.mark.parametrize(
    ("started", "expected"),
    [(None, None), (0, None), (3, None), (4, "low"), (12, "low")],
)
def test_silent_counts_from_the_start_if_she_never_logged(started, expected):
    started_on = None if started is None else ago(started)
    result = run("silent", client(started_on=started_on))
    assert (result.level if result else None) == expected
    if result:
        assert result.evidence == {
            "last_checkin": None,
            "started_on": started_on.isoformat(),
            "days": started,
        }


@pytest.mark.parametrize(
    ("open_levels", "expected"),
    [
        (set(), "low"),
        ({"low"}, "low"),
        ({"medium"}, "low"),
        ({"high"}, "medium"),
        ({"urgent"}, "medium"),
        ({"urgent", "low"}, "medium"),
    ],
)
def test_silent_ranks_medium_after_an_open_high_or_urgent_flag(open_levels, expected):
    data = client([DayLog(ago(5), 3)], open_levels=frozenset(open_levels))
    assert level("silent", data) == expected


def test_silent_counts_only_her_own_check_ins():
    """Issue 14: a check-in a practitioner entered by phone closed the flag without a word."""
    logs = [DayLog(ago(6), 3), DayLog(ago(0), 2, by_practitioner=True)]
    result = run("silent", client(logs, started_on=ago(60)))
    assert result.evidence == {
        "last_checkin": ago(6).isoformat(),
        "started_on": ago(60).isoformat(),
        "days": 6,
        "practitioner_entry": TODAY.isoformat(),
    }
    assert run("silent", client([DayLog(ago(6), 3), DayLog(ago(0), 2)])) is None


def test_practitioner_entries_count_for_the_other_rules():
    logs = [DayLog(ago(days), 2, by_practitioner=True) for days in (2, 1, 0)]
    assert level("low_mood", client(logs)) == "medium"


def test_silent_threshold_from_config():
    data = client([DayLog(ago(2), 3)])
    assert run("silent", data) is None
    assert RULES["silent"](data, Thresholds.from_mapping({"silent_days": 2})).level == "low"


def test_rules_ignore_data_dated_after_today():
    future = TODAY + timedelta(days=1)
    data = client(
        [DayLog(ago(5), 4), DayLog(future, 1)],
        [epds(20, item_10=3, on=future), gad7(21, on=future)],
        started_on=ago(30),
    )
    assert [result.rule for result in evaluate(data)] == ["silent"]


# --- evaluate -----------------------------------------------------------------


def test_evaluate_sorts_most_urgent_first_keeping_rule_order_within_a_level():
    checkins = series([1, 1, 1], end=ago(4), sleep_hours=4.0, bonding=1)
    questionnaires = [epds(14, item_10=1, id=3), gad7(11, id=4)]
    results = evaluate(client(checkins, questionnaires))
    assert [(result.rule, result.level) for result in results] == [
        ("safety", "urgent"),
        ("epds_high", "high"),
        ("anxiety", "medium"),
        ("low_mood", "medium"),
        ("bonding", "medium"),
        ("silent", "low"),
    ]


def test_evaluate_level_order_beats_rule_order():
    checkins = series([1] * 5, end=ago(4))  # low mood high, silent low
    results = evaluate(client(checkins, [gad7(10)]))
    assert [(result.rule, result.level) for result in results] == [
        ("low_mood", "high"),
        ("anxiety", "medium"),
        ("silent", "low"),
    ]


def test_evaluate_uses_the_given_thresholds():
    data = client(questionnaires=[epds(13)])
    assert [r.rule for r in evaluate(data)] == ["epds_high"]
    raised = Thresholds.from_mapping({"epds_high": 15})
    assert [r.rule for r in evaluate(data, raised)] == ["epds_raised"]


# --- Thresholds.from_mapping --------------------------------------------------


def test_thresholds_defaults_match_the_domain_table():
    assert Thresholds() == Thresholds.from_mapping({}) == Thresholds.from_mapping(None)
    defaults = Thresholds()
    assert (
        defaults.epds_urgent_item_score,
        defaults.epds_high,
        defaults.epds_raised,
    ) == (1, 13, 10)
    assert (defaults.gad7_medium, defaults.gad7_high) == (10, 15)
    assert (
        defaults.low_mood_max,
        defaults.low_mood_days,
        defaults.low_mood_window,
        defaults.low_mood_calendar_days,
    ) == (2, 3, 5, 7)
    assert (
        defaults.low_mood_days_high,
        defaults.low_mood_window_high,
        defaults.low_mood_calendar_days_high,
    ) == (5, 7, 10)
    assert (
        defaults.short_sleep_hours,
        defaults.short_sleep_window,
        defaults.short_sleep_calendar_days,
        defaults.short_sleep_min_logged,
        defaults.short_sleep_from_week,
    ) == (5.0, 7, 14, 4, 4)
    assert (
        defaults.bonding_max,
        defaults.bonding_days,
        defaults.bonding_window,
        defaults.bonding_calendar_days,
    ) == (2, 3, 7, 14)
    assert (defaults.worsening_drop, defaults.worsening_window_days) == (1.0, 7)
    assert defaults.worsening_min_logged == 3
    assert defaults.silent_days == 4


@pytest.mark.parametrize(
    ("total", "expected"), [(12, "epds_raised"), (14, "epds_raised"), (15, "epds_high")]
)
def test_from_mapping_override_moves_the_boundary(total, expected):
    thresholds = Thresholds.from_mapping({"epds_high": 15})
    assert thresholds.epds_high == 15
    assert thresholds.epds_raised == 10  # the rest keep their defaults
    assert [r.rule for r in evaluate(client(questionnaires=[epds(total)]), thresholds)] == [
        expected
    ]


def test_from_mapping_rejects_unknown_keys():
    with pytest.raises(ValueError, match="epds_hihg"):
        Thresholds.from_mapping({"epds_hihg": 15})


@pytest.mark.parametrize("value", ["13", None, True])
def test_from_mapping_rejects_values_that_are_not_numbers(value):
    with pytest.raises(ValueError, match="epds_high"):
        Thresholds.from_mapping({"epds_high": value})


# --- property -----------------------------------------------------------------

day_logs = st.builds(
    DayLog,
    day=st.integers(0, 40).map(ago),
    mood=st.integers(1, 5),
    tension=st.none() | st.integers(1, 5),
    energy=st.none() | st.integers(1, 5),
    bonding=st.none() | st.integers(1, 5),
    sleep_hours=st.none() | st.integers(0, 64).map(lambda quarters: quarters / 4),
)


@st.composite
def questionnaire_results(draw) -> QuestionnaireResult:
    instrument = draw(st.sampled_from(["epds", "gad7"]))
    items = draw(
        st.lists(
            st.integers(0, 3),
            min_size=10 if instrument == "epds" else 7,
            max_size=10 if instrument == "epds" else 7,
        )
    )
    return QuestionnaireResult(
        id=draw(st.integers(1, 10_000)),
        instrument=instrument,
        total=sum(items),
        safety=instrument == "epds" and items[9] >= 1,
        item_scores=tuple(items),
        submitted_on=ago(draw(st.integers(0, 120))),
    )


client_data = st.builds(
    ClientData,
    today=st.just(TODAY),
    checkins=st.lists(day_logs, max_size=30, unique_by=lambda log: log.day).map(tuple),
    questionnaires=st.lists(questionnaire_results(), max_size=6).map(tuple),
    active=st.booleans(),
    started_on=st.none() | st.integers(0, 120).map(ago),
    delivery_date=st.none() | st.integers(0, 120).map(ago),
    open_levels=st.frozensets(st.sampled_from(LEVELS)),
)


@settings(max_examples=300, deadline=None)
@given(client_data)
def test_evaluate_never_raises_and_returns_well_formed_flags(data):
    results = evaluate(data)
    assert all(result.level in LEVELS for result in results)
    ranks = [LEVEL_RANK[result.level] for result in results]
    assert ranks == sorted(ranks)
    rules = [result.rule for result in results]
    assert len(rules) == len(set(rules))
    assert set(rules) <= set(RULES)
    for result in results:
        json.dumps(result.evidence)
    shuffled = list(data.checkins)
    random.Random(0).shuffle(shuffled)
    reordered = replace(data, checkins=tuple(shuffled), questionnaires=data.questionnaires[::-1])
    # Input order never changes the outcome (ids are unique per day in practice).
    if len({(q.instrument, q.submitted_on, q.id) for q in data.questionnaires}) == len(
        data.questionnaires
    ):
        assert evaluate(reordered) == results
