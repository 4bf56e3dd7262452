"""The progress summary's shapes: audiences, periods, measures and the frozen dataclasses.

Plain data only, with no database and no formatting: ``summary_queries`` and
``summary_format`` fill these in, and ``summary.build_summary`` puts them together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import measures
from portal.reports.insight_lines import InsightSection

CLIENT = "client"
PRACTITIONER = "practitioner"
# For colleagues in her care team: identifiers and a sender, clinical wording, never a private
# note (nor a flag's acknowledgement note, the practice's working note).
REFERRAL = "referral"
AUDIENCES = (CLIENT, PRACTITIONER, REFERRAL)

PERIOD_CHOICES = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 366
# Below this many logged days a chart would be a dot or nothing: say it in words instead.
MIN_DAYS_FOR_CHARTS = 2
TOP_ACTIVITIES = 5
NO_VALUE = "–"


@dataclass(frozen=True)
class Measure:
    """A check-in field that is averaged: how to label and format it."""

    key: str
    label: object  # a lazy string
    hint: object
    decimals: int = 1


MEASURES = (
    # Names from the one registry (portal/measures.py); the hints say what the numbers mean.
    Measure("mood", measures.name("mood"), _l("1 very low, 5 very good")),
    Measure("tension", measures.name("tension"), _l("1 none, 5 a lot")),
    Measure("energy", measures.name("energy"), _l("1 worn out, 5 full of energy")),
    Measure("bonding", measures.name("bonding"), _l("1 not at all, 5 very strongly")),
    Measure("sleep_hours", measures.name("sleep_hours"), _l("hours per night")),
    Measure("night_wakings", measures.name("night_wakings"), _l("times per night")),
    Measure("sleep_quality", measures.name("sleep_quality"), _l("1 very poor, 5 very good")),
    Measure(
        "skin_to_skin_minutes",
        measures.name("skin_to_skin_minutes"),
        _l("minutes per day"),
        decimals=0,
    ),
)
MEASURE_KEYS = tuple(measure.key for measure in MEASURES)
SCALE_CHART_KEYS = ("mood", "tension", "energy", "bonding")
SCALE_RANGE = (1, 5)
SLEEP_RANGE = (0, 12)


class PeriodError(ValueError):
    """A period that cannot be summarised; the message is for the person who chose it."""


@dataclass(frozen=True)
class Period:
    """Consecutive calendar days from start to end, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return the number of days in the period."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """Return the period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def dates(self) -> tuple[date, ...]:
        """Return every day of the period in order."""
        return tuple(self.start + timedelta(days=offset) for offset in range(self.days))


def last_days(days: int, today: date) -> Period:
    """Return the period of the last ``days`` days ending today."""
    return Period(today - timedelta(days=days - 1), today)


def checked_period(start: date, end: date, today: date) -> Period:
    """Return the chosen range as a period, or raise PeriodError saying what is wrong."""
    if start > end:
        raise PeriodError(_("The start date must be on or before the end date."))
    if end > today:
        raise PeriodError(_("The end date cannot be in the future."))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise PeriodError(_("Choose a period of at most %(days)d days.", days=MAX_RANGE_DAYS))
    return Period(start, end)


@dataclass(frozen=True)
class Average:
    """The average of one measure in the period, the period before and the change, as text."""

    key: str
    label: str
    hint: str
    value: Decimal | None
    previous: Decimal | None
    change: Decimal | None
    value_text: str
    previous_text: str
    change_text: str
    change_words: str
    days_logged: int


@dataclass(frozen=True)
class QuestionnaireLine:
    """One questionnaire filled in during the period, with its band in plain words."""

    instrument: str
    name: str
    short_name: str
    submitted_on: date
    submitted_text: str
    total: int
    max_total: int
    band_key: str
    # The headline: her words, or the staff's against the cut-off; an item-10 answer first.
    band_label: str
    band_meaning: str
    contact_practitioner: bool
    safety_answer: bool = False
    # Set when it was answered on placeholder or unvalidated wording.
    wording_note: str | None = None
    # Practitioner only: (label, value, maximum, note) per subscale such as EPDS-3A.
    subscales: tuple[tuple[str, int, int, str], ...] = ()


@dataclass(frozen=True)
class InstrumentSource:
    """Where an instrument comes from and the terms it is used under."""

    key: str
    name: str
    source: str
    licence: str
    # The practice's note on the licensed wording it installed for the reader's language.
    wording_licence: str | None = None


@dataclass(frozen=True)
class FlagLine:
    """One flag in full, for the practitioner's version."""

    rule: str
    rule_label: str
    level: str
    level_label: str
    raised_text: str
    # What raised it, in the same sentence as the client page ("Mood 2 or lower on ...").
    evidence: str
    status_text: str
    acknowledged_text: str | None
    acknowledged_by: str | None
    acknowledgement_note: str | None


@dataclass(frozen=True)
class FlagOverview:
    """Flags raised or acknowledged in the period; details only in the practitioner's version."""

    raised: int
    acknowledged: int
    still_open: int
    wording: tuple[str, ...]
    details: tuple[FlagLine, ...] = ()


@dataclass(frozen=True)
class ActivityCount:
    """An activity and the number of logged days it was done on."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class ModuleProgress:
    """An assigned guidance module and how many of its lessons are done."""

    module_id: int
    title: str
    lessons_done: int
    lessons_total: int
    done_in_period: int

    @property
    def is_done(self) -> bool:
        """Tell whether every lesson of the module is done."""
        return self.lessons_total > 0 and self.lessons_done >= self.lessons_total


@dataclass(frozen=True)
class NoteLine:
    """A practitioner's note: shared with the client, or private (practitioner's version)."""

    written_text: str
    author: str
    body: str
    shared: bool


@dataclass(frozen=True)
class Sender:
    """Who sends a referral summary: the practitioner, the practice and its phone number."""

    name: str
    practice: str
    phone: str


@dataclass(frozen=True)
class RiskItem:
    """One line of the referral's "current risk" box, in clinical words."""

    kind: str  # "item10" or "flag"
    text: str
    level: str | None = None


@dataclass(frozen=True)
class ScoreCard:
    """The latest score of one questionnaire for a colleague: band, changes, whole history."""

    instrument: str
    short_name: str
    submitted_text: str
    total: int
    max_total: int
    band_text: str  # clinical words with the cut-off and its source
    source: str
    since_previous: str | None
    since_first: str | None
    history: tuple[tuple[str, int], ...]  # (short date, total), oldest first, whole history
    history_text: str
    history_days: tuple[date, ...] = ()
    history_totals: tuple[int, ...] = ()
    wording_note: str | None = None
    # Set when item 10 was answered positively in this response or earlier in the period.
    item10_note: str | None = None


@dataclass(frozen=True)
class HandlingLine:
    """What the practice did: a handled flag with its note, or a call with its outcome."""

    when_text: str
    text: str
    note: str | None = None


@dataclass(frozen=True)
class ReachLine:
    """How to reach her or the sender: a label, the words and a phone number (E.164 or None)."""

    label: str
    text: str
    phone: str | None = None


@dataclass(frozen=True)
class ReferralFront:
    """Page 1 of the referral summary: reason, current risk, scores, handling, how to reach her."""

    reason: str | None
    risks: tuple[RiskItem, ...]
    scores: tuple[ScoreCard, ...]
    handled: tuple[HandlingLine, ...]
    reach: tuple[ReachLine, ...]

    @property
    def has_risk(self) -> bool:
        """Tell whether the "current risk" box is shown (an item-10 answer or an open flag)."""
        return bool(self.risks)


@dataclass(frozen=True)
class ProgressSummary:
    """Everything the progress page, the PDF and the practice header show, as plain data."""

    audience: str
    locale: str
    practice_name: str
    practice_logo: str | None  # a path under static/
    client_id: int
    client_name: str
    delivery_date: date | None
    delivery_date_text: str
    delivery_type_text: str
    weeks_postpartum: int | None
    period: Period
    period_text: str
    previous_period_text: str
    made_text: str
    days_logged: int
    is_sparse: bool
    averages: tuple[Average, ...]
    days: tuple[date, ...]
    series: Mapping[str, tuple[float | None, ...]]
    questionnaires: tuple[QuestionnaireLine, ...]
    instruments: tuple[InstrumentSource, ...]
    flags: FlagOverview
    activities: tuple[ActivityCount, ...]
    guidance: tuple[ModuleProgress, ...]
    notes: tuple[NoteLine, ...]
    # What seems to help her: from the period's check-ins, in no extra query.
    insights: InsightSection | None = None
    # The referral version only: identifiers a colleague needs, and who sends it.
    date_of_birth_text: str | None = None
    sender: Sender | None = None
    # The referral version's first page, in the referral's own (third-person) wording.
    front: ReferralFront | None = None

    @property
    def is_practitioner_version(self) -> bool:
        """Tell whether this is the practitioner's version (private notes, flag detail)."""
        return self.audience == PRACTITIONER

    @property
    def is_referral_version(self) -> bool:
        """Tell whether this is the version for colleagues in her care team."""
        return self.audience == REFERRAL

    @property
    def is_clinical_version(self) -> bool:
        """Tell whether professionals read this version (flag detail, clinical wording)."""
        return self.audience in (PRACTITIONER, REFERRAL)

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing at all was logged in the period."""
        return self.days_logged == 0

    def latest_results(self) -> tuple[QuestionnaireLine, ...]:
        """Return the last result of each questionnaire filled in during the period."""
        latest = {line.instrument: line for line in self.questionnaires}
        return tuple(latest.values())

    def average(self, key: str) -> Average:
        """Return the average of one measure by its key."""
        for average in self.averages:
            if average.key == key:
                return average
        raise KeyError(key)
