"""Questionnaire totals over time, and which changes are larger than measurement error.

Pure: administrations in, changes out, so a table test pins every boundary.

A total moves a little from one filling-in to the next even when nothing changed, because
no questionnaire measures perfectly. The reliable change index (Jacobson & Truax 1991,
J Consult Clin Psychol 59:12-19) is the smallest change that is unlikely (p < .05) to be
that noise alone, computed from the scale's spread and reliability.

* EPDS: Matthey S. (2004). Calculating clinically significant change in postnatal
  depression studies using the Edinburgh Postnatal Depression Scale. J Affect Disord
  78(3):269-272. From the EPDS's published spread and reliability he finds that a change
  of 4 points or more is reliable.
* GAD-7: no reliable change index is published with the scale (Spitzer et al. 2006). We use
  4 points, the reliable change that NHS Talking Therapies (formerly IAPT) applies to the
  GAD-7 in its national outcome measures (NHS Talking Therapies Manual, NHS England 2023,
  "reliable improvement"), derived the same Jacobson & Truax way from the GAD-7's general
  population data. It is an approximation, not validated in postnatal women.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# The smallest change in total, in points, that counts as reliable (see the module docstring).
RELIABLE_CHANGE = {"epds": 4, "gad7": 4}
# True where the threshold is an approximation rather than published for the instrument.
APPROXIMATE = {"epds": False, "gad7": True}

WORSE = "worse"
BETTER = "better"
SAME = "same"


@dataclass(frozen=True)
class Change:
    """A change in total between two administrations, and whether it is reliable."""

    points: int
    reliable: bool

    @property
    def direction(self) -> str:
        """Say which way the total moved; on these scales a higher total is worse."""
        if self.points > 0:
            return WORSE
        if self.points < 0:
            return BETTER
        return SAME


@dataclass(frozen=True)
class Administration:
    """One filling-in of a questionnaire: when, its total and its item scores in order."""

    submitted_on: date
    total: int
    item_scores: tuple[int, ...] = ()


@dataclass(frozen=True)
class TimelineRow:
    """An administration with its change since the first and since the one before."""

    administration: Administration
    since_first: Change | None
    since_previous: Change | None


def change_between(instrument: str, before: int, after: int) -> Change:
    """Return the change from one total to the next, reliable when it reaches the index."""
    threshold = RELIABLE_CHANGE.get(instrument)
    points = after - before
    return Change(points, threshold is not None and abs(points) >= threshold)


def timeline(instrument: str, administrations: Sequence[Administration]) -> tuple[TimelineRow, ...]:
    """Order the administrations oldest first and give each its changes."""
    ordered = sorted(administrations, key=lambda one: one.submitted_on)
    rows = []
    for index, one in enumerate(ordered):
        if index == 0:
            rows.append(TimelineRow(one, None, None))
            continue
        rows.append(
            TimelineRow(
                one,
                change_between(instrument, ordered[0].total, one.total),
                change_between(instrument, ordered[index - 1].total, one.total),
            )
        )
    return tuple(rows)


def rose_reliably(instrument: str, totals: Sequence[int]) -> bool:
    """Tell whether the last total is reliably worse than the one before it."""
    if len(totals) < 2:
        return False
    change = change_between(instrument, totals[-2], totals[-1])
    return change.reliable and change.direction == WORSE
