"""Reliable change in EPDS and GAD-7 totals: every boundary of the index."""

from datetime import date

import pytest

from portal.questionnaires.trends import (
    BETTER,
    SAME,
    WORSE,
    Administration,
    change_between,
    rose_reliably,
    timeline,
)


@pytest.mark.parametrize(
    ("instrument", "before", "after", "reliable", "direction"),
    [
        # EPDS, Matthey 2004: a change of 4 points or more is reliable.
        ("epds", 8, 11, False, WORSE),
        ("epds", 8, 12, True, WORSE),
        ("epds", 14, 11, False, BETTER),
        ("epds", 14, 10, True, BETTER),
        ("epds", 9, 9, False, SAME),
        ("epds", 0, 30, True, WORSE),
        # GAD-7, the NHS Talking Therapies threshold (an approximation): 4 points.
        ("gad7", 5, 8, False, WORSE),
        ("gad7", 5, 9, True, WORSE),
        ("gad7", 12, 9, False, BETTER),
        ("gad7", 12, 8, True, BETTER),
        # An instrument without a published index is never called reliable.
        ("other", 0, 20, False, WORSE),
    ],
)
def test_reliable_change_boundaries(instrument, before, after, reliable, direction):
    change = change_between(instrument, before, after)

    assert change.points == after - before
    assert change.reliable is reliable
    assert change.direction == direction


def test_timeline_orders_oldest_first_with_changes_since_first_and_previous():
    rows = timeline(
        "epds",
        [
            Administration(date(2026, 3, 1), 15),
            Administration(date(2026, 1, 1), 8),
            Administration(date(2026, 2, 1), 12),
        ],
    )

    assert [row.administration.total for row in rows] == [8, 12, 15]
    assert rows[0].since_first is None and rows[0].since_previous is None
    assert (rows[1].since_first.points, rows[1].since_first.reliable) == (4, True)
    assert (rows[2].since_first.points, rows[2].since_first.reliable) == (7, True)
    assert (rows[2].since_previous.points, rows[2].since_previous.reliable) == (3, False)


@pytest.mark.parametrize(
    ("totals", "rose"),
    [
        ([], False),
        ([12], False),
        ([8, 11], False),
        ([8, 12], True),
        ([12, 8], False),
        ([3, 20, 17], False),
        ([20, 3, 7], True),
    ],
)
def test_rose_reliably_looks_at_the_last_two_totals(totals, rose):
    assert rose_reliably("epds", totals) is rose
