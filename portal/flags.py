"""Flag rules: what the practitioner must not miss, derived from a client's data.

Pure functions over plain data: no Flask, no database. Each rule takes a
``ClientData`` and ``Thresholds`` and returns a ``FlagResult`` or ``None``.
Opening, keeping and closing flags in the database is the caller's work;
a rule only says whether its condition holds today.

Conventions shared by every rule:

- The state is read "as of ``today``": check-ins and questionnaires dated
  after ``today`` are ignored, so a rule gives the same answer when replayed
  for a past date.
- Questionnaire rules read only the latest response of their instrument
  (latest ``submitted_on``, then highest ``id`` on the same day); ``epds_rose``
  also reads the earlier ones of the 90 days before it, for her lowest.
- Means are compared exactly (as fractions of the values as written), so a
  mean of 5.0 is never read as 4.999... through float rounding.
- Every "last N logged days" window is also capped in calendar days: "within 7
  calendar days" is today and the 6 days before it. Data from weeks ago never
  raises a flag today, and every evidence names the dates it read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from fractions import Fraction

from portal.questionnaires.trends import RELIABLE_CHANGE

LEVELS = ("urgent", "high", "medium", "low")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}

EPDS = "epds"
GAD7 = "gad7"
# EPDS item 10 ("the thought of harming myself") is the tenth score.
EPDS_SAFETY_ITEM_INDEX = 9
# The questionnaire each response-keyed rule reads. Their flags close only by acknowledgement:
# a later, softer score is context beside the open flag, never a reason to close it.
QUESTIONNAIRE_RULES = {
    "safety": EPDS,
    "epds_high": EPDS,
    "epds_raised": EPDS,
    "anxiety": GAD7,
    "epds_rose": EPDS,
}
CLOSE_BY_ACKNOWLEDGEMENT = frozenset(QUESTIONNAIRE_RULES)
# An open flag at one of these levels makes a silent client rank medium.
SILENT_RAISED_BY = frozenset({"urgent", "high"})


@dataclass(frozen=True)
class DayLog:
    """One logged check-in day."""

    day: date
    mood: int
    tension: int | None = None
    energy: int | None = None
    bonding: int | None = None
    sleep_hours: float | None = None
    # Entered by a practitioner during a phone consult, not logged by her.
    by_practitioner: bool = False


@dataclass(frozen=True)
class QuestionnaireResult:
    """One scored questionnaire response."""

    id: int
    instrument: str
    total: int
    # Item 10 scored at or above the urgent threshold, as computed by the scorer.
    safety: bool
    item_scores: tuple[int, ...]
    submitted_on: date


@dataclass(frozen=True)
class ClientData:
    """Everything the flag rules read about one client."""

    today: date
    checkins: tuple[DayLog, ...]
    questionnaires: tuple[QuestionnaireResult, ...]
    # Paused, withdrawn consent or deactivated clients are never "silent".
    active: bool = True
    started_on: date | None = None
    # Unknown (None) for a client whose delivery date the practice did not record.
    delivery_date: date | None = None
    # Levels of the client's flags open before this evaluation (silent ranks higher after a
    # high or urgent one).
    open_levels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Thresholds:
    """Hold the numbers of the flag table; a practice overrides them in configuration."""

    epds_urgent_item_score: int = 1
    epds_high: int = 13
    epds_raised: int = 10
    gad7_medium: int = 10
    gad7_high: int = 15
    low_mood_max: int = 2
    low_mood_days: int = 3
    low_mood_window: int = 5
    low_mood_calendar_days: int = 7
    low_mood_days_high: int = 5
    low_mood_window_high: int = 7
    low_mood_calendar_days_high: int = 10
    short_sleep_hours: float = 5.0
    short_sleep_window: int = 7
    short_sleep_calendar_days: int = 14
    short_sleep_min_logged: int = 4
    short_sleep_from_week: int = 4
    bonding_max: int = 2
    bonding_days: int = 3
    bonding_window: int = 7
    bonding_calendar_days: int = 14
    worsening_drop: float = 1.0
    worsening_window_days: int = 7
    # Not in the DOMAIN table: a mean of one or two days is too noisy to compare.
    worsening_min_logged: int = 3
    silent_days: int = 4
    # Matthey 2004: an EPDS change of 4 points or more is reliable (portal.questionnaires.trends).
    epds_reliable_rise: int = RELIABLE_CHANGE[EPDS]
    # The rise is measured from her lowest EPDS in this many days before the latest.
    epds_rose_window_days: int = 90

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, float] | None) -> Thresholds:
        """Build thresholds from the FLAG_THRESHOLDS config mapping over the defaults."""
        if not mapping:
            return cls()
        known = {spec.name for spec in fields(cls)}
        unknown = sorted(set(mapping) - known)
        if unknown:
            raise ValueError(f"unknown flag threshold(s): {', '.join(unknown)}")
        for name, value in mapping.items():
            # bool is an int subclass; True as a threshold is a config mistake.
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"flag threshold {name} must be a number, got {value!r}")
        return replace(cls(), **mapping)


@dataclass(frozen=True)
class FlagResult:
    """A rule that fired, with the plain values that fired it."""

    rule: str
    level: str
    # Left out of the hash so a result can sit in a set; a dict cannot be hashed.
    evidence: dict = field(hash=False)
    # Episode key: the response id for questionnaire rules, None for streak rules.
    key: str | None = None


def _exact(value: float) -> Fraction:
    # Via str so 5.1 means 51/10, as the client typed it, not its binary neighbour.
    return Fraction(str(value))


def _mean(values: Iterable[float]) -> Fraction:
    values = [_exact(value) for value in values]
    return sum(values, Fraction(0)) / len(values)


def _round(value: Fraction) -> float:
    return round(float(value), 2)


def _logs(data: ClientData) -> list[DayLog]:
    """Return the check-ins up to today, oldest first."""
    return sorted((log for log in data.checkins if log.day <= data.today), key=lambda log: log.day)


def _window(
    logs: list[DayLog], today: date, calendar_days: int, logged_days: int
) -> list[DayLog]:
    """Return the last ``logged_days`` of the logs dated within ``calendar_days`` up to today."""
    first = today - timedelta(days=calendar_days - 1)
    recent = [log for log in logs if log.day >= first]
    return recent[-logged_days:] if logged_days > 0 else []


def _latest(data: ClientData, instrument: str) -> QuestionnaireResult | None:
    """Return the latest response of an instrument up to today."""
    responses = [
        response
        for response in data.questionnaires
        if response.instrument == instrument and response.submitted_on <= data.today
    ]
    if not responses:
        return None
    return max(responses, key=lambda response: (response.submitted_on, response.id))


def _response_evidence(response: QuestionnaireResult) -> dict:
    return {
        "response_id": response.id,
        "total": response.total,
        "submitted_on": response.submitted_on.isoformat(),
    }


def safety(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag a safety answer on the latest EPDS as urgent.

    Fires when the scorer marked the response ``safety`` or, where all ten
    item scores are present, item 10 reaches ``epds_urgent_item_score``:
    either is enough, so a configured threshold lower than the scorer's is
    honoured and a scorer's safety mark is never overruled.
    """
    response = _latest(data, EPDS)
    if response is None:
        return None
    item_10 = None
    if len(response.item_scores) > EPDS_SAFETY_ITEM_INDEX:
        item_10 = response.item_scores[EPDS_SAFETY_ITEM_INDEX]
    by_item = item_10 is not None and item_10 >= thresholds.epds_urgent_item_score
    if not (response.safety or by_item):
        return None
    evidence = _response_evidence(response) | {"item_10": item_10}
    return FlagResult("safety", "urgent", evidence, key=str(response.id))


def epds_high(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag a latest EPDS total at or above ``epds_high`` as high."""
    response = _latest(data, EPDS)
    if response is None or response.total < thresholds.epds_high:
        return None
    return FlagResult("epds_high", "high", _response_evidence(response), key=str(response.id))


def epds_raised(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag a latest EPDS total from ``epds_raised`` up to below ``epds_high`` as medium.

    Exclusive with ``epds_high``: a total of 13 or more raises only that flag.
    """
    response = _latest(data, EPDS)
    if response is None or not thresholds.epds_raised <= response.total < thresholds.epds_high:
        return None
    return FlagResult("epds_raised", "medium", _response_evidence(response), key=str(response.id))


def epds_rose(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag the latest EPDS as low when it rose reliably above her lowest of the last 90 days.

    Compared with her lowest EPDS in the ``epds_rose_window_days`` calendar days before the
    latest (that day and the latest's own day included), not only with the previous one: a
    slow climb of 0, 3, 6 is a reliable rise of 6 although each step is within the measurement
    error. A rise under ``epds_reliable_rise`` points may be noise; a reliable rise is worth a
    look even while the total stays in a lower band. Of equal lows, the latest is named.
    """
    responses = sorted(
        (
            response
            for response in data.questionnaires
            if response.instrument == EPDS and response.submitted_on <= data.today
        ),
        key=lambda response: (response.submitted_on, response.id),
    )
    if len(responses) < 2:
        return None
    latest = responses[-1]
    since = latest.submitted_on - timedelta(days=thresholds.epds_rose_window_days)
    earlier = [response for response in responses[:-1] if response.submitted_on >= since]
    if not earlier:
        return None
    lowest = min(reversed(earlier), key=lambda response: response.total)
    rise = latest.total - lowest.total
    if rise < thresholds.epds_reliable_rise:
        return None
    evidence = _response_evidence(latest) | {
        "previous_total": lowest.total,
        "previous_submitted_on": lowest.submitted_on.isoformat(),
        "rise": rise,
        "compared_with": "lowest_in_window",
        "window_days": thresholds.epds_rose_window_days,
    }
    return FlagResult("epds_rose", "low", evidence, key=str(latest.id))


def anxiety(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag a latest GAD-7 total at ``gad7_medium`` as medium, at ``gad7_high`` as high."""
    response = _latest(data, GAD7)
    if response is None or response.total < thresholds.gad7_medium:
        return None
    level = "high" if response.total >= thresholds.gad7_high else "medium"
    return FlagResult("anxiety", level, _response_evidence(response), key=str(response.id))


def low_mood(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag low mood on enough of the last logged days as medium, or on most of them as high.

    Medium: mood at or below ``low_mood_max`` on ``low_mood_days`` of the last
    ``low_mood_window`` logged days within ``low_mood_calendar_days`` calendar days.
    High: on ``low_mood_days_high`` of the last ``low_mood_window_high`` logged days within
    ``low_mood_calendar_days_high``. The low days need not be in a row (one better day no
    longer hides three weeks of low mood) and today need not be low; the calendar limit keeps
    low days from weeks ago out. The evidence names the low days of the window that fired.
    """
    logs = _logs(data)
    for level, days, window, calendar_days in (
        (
            "high",
            thresholds.low_mood_days_high,
            thresholds.low_mood_window_high,
            thresholds.low_mood_calendar_days_high,
        ),
        (
            "medium",
            thresholds.low_mood_days,
            thresholds.low_mood_window,
            thresholds.low_mood_calendar_days,
        ),
    ):
        read = _window(logs, data.today, calendar_days, window)
        low = [log for log in read if log.mood <= thresholds.low_mood_max]
        if low and len(low) >= days:
            evidence = {
                "low_days": len(low),
                "logged_days": len(read),
                "calendar_days": calendar_days,
                "days": [log.day.isoformat() for log in low],
                "moods": [log.mood for log in low],
            }
            return FlagResult("low_mood", level, evidence)
    return None


def short_sleep(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag a short mean sleep over the last logged nights, from week 4 postpartum, as medium.

    Counted only from week ``short_sleep_from_week`` postpartum: in the first weeks under
    5 hours a night is normal for many mothers (night feeds), so a flag then would fire for
    most of them and mean little; from week 4 a run of short nights is worth a look. Poor
    sleep quality was the other choice, but it is optional in the check-in and would hide
    short nights of mothers who skip it. Nights before week 4 never count; without a
    delivery date every night counts (better an early reminder than a missed one).

    Reads the last ``short_sleep_window`` logged days that have a ``sleep_hours`` value
    within ``short_sleep_calendar_days`` calendar days, needs at least
    ``short_sleep_min_logged`` of them, and fires when their mean is strictly below
    ``short_sleep_hours``.
    """
    nights = [log for log in _logs(data) if log.sleep_hours is not None]
    if data.delivery_date is not None:
        from_day = data.delivery_date + timedelta(weeks=thresholds.short_sleep_from_week)
        nights = [log for log in nights if log.day >= from_day]
    nights = _window(
        nights, data.today, thresholds.short_sleep_calendar_days, thresholds.short_sleep_window
    )
    if not nights or len(nights) < thresholds.short_sleep_min_logged:
        return None
    mean = _mean(log.sleep_hours for log in nights)
    if mean >= _exact(thresholds.short_sleep_hours):
        return None
    evidence = {
        "mean_sleep_hours": _round(mean),
        "logged_days": len(nights),
        "from": nights[0].day.isoformat(),
        "to": nights[-1].day.isoformat(),
    }
    return FlagResult("short_sleep", "medium", evidence)


def bonding(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag low bonding on enough of the last logged days as medium.

    Reads the last ``bonding_window`` logged days that have a ``bonding`` value within
    ``bonding_calendar_days`` calendar days and fires when at least ``bonding_days`` of them
    are at or below ``bonding_max``; the low days need not be consecutive.
    """
    logs = [log for log in _logs(data) if log.bonding is not None]
    logs = _window(logs, data.today, thresholds.bonding_calendar_days, thresholds.bonding_window)
    low_days = [log for log in logs if log.bonding <= thresholds.bonding_max]
    if not low_days or len(low_days) < thresholds.bonding_days:
        return None
    evidence = {
        "low_days": len(low_days),
        "logged_days": len(logs),
        "calendar_days": thresholds.bonding_calendar_days,
        "days": [log.day.isoformat() for log in low_days],
        "bondings": [log.bonding for log in low_days],
    }
    return FlagResult("bonding", "medium", evidence)


def worsening(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag a mean mood that dropped against the calendar week before as low.

    Compares the mean mood of the last ``worsening_window_days`` calendar
    days (today included) with the same number of days just before; each
    window needs at least ``worsening_min_logged`` logged days, and the drop
    must be at least ``worsening_drop`` (a drop of exactly 1.0 fires).
    """
    span = timedelta(days=thresholds.worsening_window_days)
    recent_start = data.today - span + timedelta(days=1)
    previous_start = recent_start - span
    logs = _logs(data)
    recent = [log.mood for log in logs if recent_start <= log.day]
    previous = [log.mood for log in logs if previous_start <= log.day < recent_start]
    if min(len(recent), len(previous)) < thresholds.worsening_min_logged:
        return None
    recent_mean, previous_mean = _mean(recent), _mean(previous)
    drop = previous_mean - recent_mean
    if drop < _exact(thresholds.worsening_drop):
        return None
    evidence = {
        "recent_mean": _round(recent_mean),
        "previous_mean": _round(previous_mean),
        "drop": _round(drop),
        "recent_days": len(recent),
        "previous_days": len(previous),
        "from": previous_start.isoformat(),
        "to": data.today.isoformat(),
    }
    return FlagResult("worsening", "low", evidence)


def silent(data: ClientData, thresholds: Thresholds) -> FlagResult | None:
    """Flag an active client with no check-in for ``silent_days`` days as low.

    Counts whole days from the last check-in up to today (last on Monday,
    today Friday: 4 days), or from ``started_on`` if she never logged; with
    neither, or for an inactive client, she is not silent. Only her own
    check-ins count: a day her practitioner entered during a phone consult
    leaves the flag open (the practitioner closes it by acknowledging it, with
    a note). Ranks medium while
    a high or urgent flag of hers is open: silence after a worrying answer
    needs a look sooner than silence alone.
    """
    if not data.active:
        return None
    logs = _logs(data)
    own = [log for log in logs if not log.by_practitioner]
    last_checkin = own[-1].day if own else None
    since = last_checkin or data.started_on
    if since is None:
        return None
    days = (data.today - since).days
    if days < thresholds.silent_days:
        return None
    evidence = {
        "last_checkin": last_checkin.isoformat() if last_checkin else None,
        "started_on": data.started_on.isoformat() if data.started_on else None,
        "days": days,
    }
    entered = [log.day for log in logs if log.by_practitioner and log.day > since]
    if entered:
        evidence["practitioner_entry"] = entered[-1].isoformat()
    level = "medium" if data.open_levels & SILENT_RAISED_BY else "low"
    return FlagResult("silent", level, evidence)


Rule = Callable[[ClientData, Thresholds], FlagResult | None]

RULES: dict[str, Rule] = {
    "safety": safety,
    "epds_high": epds_high,
    "epds_raised": epds_raised,
    "anxiety": anxiety,
    "low_mood": low_mood,
    "short_sleep": short_sleep,
    "bonding": bonding,
    "worsening": worsening,
    "silent": silent,
    "epds_rose": epds_rose,
}


def evaluate(data: ClientData, thresholds: Thresholds = Thresholds()) -> list[FlagResult]:
    """Run every rule and return the flags that fired, most urgent first."""
    fired = [result for rule in RULES.values() if (result := rule(data, thresholds))]
    # sorted() is stable: equal levels keep the RULES order.
    return sorted(fired, key=lambda result: LEVEL_RANK[result.level])
