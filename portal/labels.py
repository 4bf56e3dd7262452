"""One registry of what flags and questionnaire scores are called, for staff and for her.

Staff (dashboard, client page, practitioner PDF, e-mails, the admin's list of urgent flags)
read neutral, factual wording: a flag is named by what the data is ("bonding ≤ 2 on 3 of 7
days"), never by what the mother has, and a score is set against its published cut-off ("EPDS
14 – above the Dutch cut-off 12/13"). The mother reads her own words ("many complaints – please
contact your practitioner"), never a label such as "probable depression", and an answer about
harming herself always heads her result, whatever the total.

The questionnaire definition files keep the published band names as data; every label a
person reads comes from here, through Babel. Rule labels carry the practice's configured
thresholds, so they stay true when a practice changes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import flags

# Where the registry has no words for a band (an instrument added later), the caller falls back
# to the definition file's band name.
CLIENT_BAND_LABELS = {
    ("epds", "few_symptoms"): _l("Few complaints"),
    ("epds", "possible_depression"): _l(
        "Some complaints – talk about them at your next appointment"
    ),
    ("epds", "probable_depression"): _l("Many complaints – please contact your practitioner"),
    ("gad7", "minimal"): _l("Few complaints of worry or tension"),
    ("gad7", "mild"): _l("Some complaints of worry or tension"),
    ("gad7", "moderate"): _l(
        "Quite a few complaints of worry or tension – please contact your practitioner"
    ),
    ("gad7", "severe"): _l(
        "Many complaints of worry or tension – please contact your practitioner"
    ),
}

# Cox et al. 1987; Dutch validation Pop et al. 1992 (cut-off 12/13); Dutch practice discusses
# from 10. GAD-7: Spitzer et al. 2006 (bands 0-4, 5-9, 10-14, 15-21; follow-up from 10).
STAFF_BAND_LABELS = {
    ("epds", "few_symptoms"): _l("below 10"),
    ("epds", "possible_depression"): _l("10 or more: discuss (Dutch cut-off 12/13)"),
    ("epds", "probable_depression"): _l("above the Dutch cut-off 12/13"),
    ("gad7", "minimal"): _l("minimal (0–4)"),
    ("gad7", "mild"): _l("mild (5–9)"),
    ("gad7", "moderate"): _l("moderate (10–14): follow-up from 10"),
    ("gad7", "severe"): _l("severe (15–21)"),
}

SHORT_NAMES = {"epds": "EPDS", "gad7": "GAD-7"}

# Names of evidence values, for evidence of a shape no sentence covers (older flags).
EVIDENCE_LABELS = {
    "total": _l("Total"),
    "submitted_on": _l("Filled in on"),
    "item_10": _l("Item 10"),
    "streak": _l("Days in a row"),
    "days": _l("Days"),
    "moods": _l("Mood"),
    "bondings": _l("Bonding"),
    "mean_sleep_hours": _l("Average sleep (hours)"),
    "logged_days": _l("Logged days"),
    "low_days": _l("Low days"),
    "calendar_days": _l("Calendar days"),
    "from": _l("From"),
    "to": _l("To"),
    "recent_mean": _l("Recent average"),
    "previous_mean": _l("Earlier average"),
    "drop": _l("Drop"),
    "recent_days": _l("Recent logged days"),
    "previous_days": _l("Earlier logged days"),
    "last_checkin": _l("Last check-in"),
    "started_on": _l("Started on"),
    "previous_total": _l("Previous total"),
    "previous_submitted_on": _l("Previous filled in on"),
    "rise": _l("Rise"),
}
# Internal ids mean nothing to a reader.
HIDDEN_EVIDENCE = {"response_id"}


def configured_thresholds(thresholds: flags.Thresholds | None = None) -> flags.Thresholds:
    """Return the given thresholds, else the practice's configured ones, else the defaults."""
    if thresholds is not None:
        return thresholds
    if has_app_context():
        return flags.Thresholds.from_mapping(current_app.config.get("FLAG_THRESHOLDS") or {})
    return flags.Thresholds()


def item_10(instrument: str, item_scores: Sequence[int] | None) -> int | None:
    """Return the EPDS safety item's score of a response (None for other questionnaires)."""
    scores = list(item_scores or ())
    if instrument != flags.EPDS or len(scores) <= flags.EPDS_SAFETY_ITEM_INDEX:
        return None
    return scores[flags.EPDS_SAFETY_ITEM_INDEX]


def has_safety_answer(instrument: str, item_scores: Sequence[int] | None, safety: bool) -> bool:
    """Tell whether a response holds an answer about harming herself (EPDS item 10 >= 1)."""
    score = item_10(instrument, item_scores)
    return bool(safety) or (score is not None and score >= 1)


def short_name(instrument: str) -> str:
    """Return an instrument's abbreviation ("EPDS", "GAD-7")."""
    return SHORT_NAMES.get(instrument, instrument.upper())


def client_band_label(instrument: str, band_key: str, fallback: str | None = None) -> str:
    """Return a band in her words ("Many complaints – please contact your practitioner")."""
    label = CLIENT_BAND_LABELS.get((instrument, band_key))
    return str(label) if label is not None else (fallback or band_key)


def staff_band_label(instrument: str, band_key: str, fallback: str | None = None) -> str:
    """Return a band against its published cut-off ("above the Dutch cut-off 12/13")."""
    label = STAFF_BAND_LABELS.get((instrument, band_key))
    return str(label) if label is not None else (fallback or band_key)


def safety_headline() -> str:
    """Return what heads her result whenever EPDS item 10 was answered 1 or more."""
    return _("One answer about harming yourself – please talk about it")


def safety_meaning() -> str:
    """Return the plain words under that headline: who to talk to, today."""
    return _(
        "One of your answers tells us you may be having thoughts of harming yourself. That "
        "can happen, and you do not have to carry it alone: please talk about it with your "
        "practitioner, your GP or someone you trust. If the thoughts are strong now, call 113 "
        "(or 0800-0113, free) or 112."
    )


def client_headline(
    instrument: str, band_key: str, safety: bool, fallback: str | None = None
) -> str:
    """Return the headline of her result: the item-10 answer first, else her band."""
    if safety:
        return safety_headline()
    return client_band_label(instrument, band_key, fallback)


def staff_score_text(
    instrument: str, total: int, band_key: str, fallback: str | None = None
) -> str:
    """Return a score for staff ("EPDS 14 – above the Dutch cut-off 12/13")."""
    return _(
        "%(name)s %(total)s – %(band)s",
        name=short_name(instrument),
        total=total,
        band=staff_band_label(instrument, band_key, fallback),
    )


def staff_headline(
    instrument: str,
    total: int,
    band_key: str,
    item_10: int | None,
    fallback: str | None = None,
) -> str:
    """Return a score for staff, led by an item-10 answer when there is one."""
    if item_10 is not None and item_10 >= 1:
        return _(
            "%(name)s %(total)s – item 10 (thoughts of harming herself) scored %(score)s",
            name=short_name(instrument),
            total=total,
            score=item_10,
        )
    return staff_score_text(instrument, total, band_key, fallback)


def item_10_text(score: int) -> str:
    """Return the safety item's score for staff."""
    return _("Item 10 (thoughts of harming herself): %(score)s", score=score)


def wording_note(wording: str | None, validated: bool | None, *, staff: bool = True) -> str | None:
    """Mark a score answered on placeholder or unvalidated wording (None: validated text).

    A score on the portal's placeholder topics or on a translation nobody validated cannot be
    read against the published cut-offs with the same confidence, so every place that shows
    one says so.
    """
    if wording == "licensed" and validated:
        return None
    if wording is None:
        return _("wording not recorded") if staff else None
    if wording == "placeholder":
        if staff:
            return _("placeholder wording")
        return _("answered on placeholder wording, not the official questionnaire text")
    if staff:
        return _("unvalidated wording")
    return _("answered on a translation that is not validated")


def rule_label(
    rule: str, level: str | None = None, thresholds: flags.Thresholds | None = None
) -> str:
    """Return a flag rule as what the data is ("bonding ≤ 2 on 3 of 7 days"), with its numbers."""
    limits = configured_thresholds(thresholds)
    if rule == "safety":
        return _(
            "EPDS item 10 ≥ %(min)s (thoughts of harming herself)",
            min=limits.epds_urgent_item_score,
        )
    if rule == "epds_high":
        return _("EPDS ≥ %(min)s", min=limits.epds_high)
    if rule == "epds_raised":
        return _("EPDS %(min)s–%(max)s", min=limits.epds_raised, max=limits.epds_high - 1)
    if rule == "epds_rose":
        return _("EPDS rose reliably (≥ %(min)s points)", min=limits.epds_reliable_rise)
    if rule == "anxiety":
        if level == "high":
            return _("GAD-7 ≥ %(min)s", min=limits.gad7_high)
        return _("GAD-7 ≥ %(min)s", min=limits.gad7_medium)
    if rule == "low_mood":
        if level == "high":
            days, window = limits.low_mood_days_high, limits.low_mood_window_high
        else:
            days, window = limits.low_mood_days, limits.low_mood_window
        return _(
            "mood ≤ %(max)s on %(days)s of %(window)s days",
            max=limits.low_mood_max,
            days=days,
            window=window,
        )
    if rule == "short_sleep":
        return _(
            "sleep < %(hours)s h on average over %(window)s nights",
            hours=_hours(limits.short_sleep_hours),
            window=limits.short_sleep_window,
        )
    if rule == "bonding":
        return _(
            "bonding ≤ %(max)s on %(days)s of %(window)s days",
            max=limits.bonding_max,
            days=limits.bonding_days,
            window=limits.bonding_window,
        )
    if rule == "worsening":
        return _(
            "mean mood %(drop)s point lower than the week before",
            drop=_hours(limits.worsening_drop),
        )
    if rule == "silent":
        return _("no check-in for %(days)s days", days=limits.silent_days)
    return rule.replace("_", " ")


def _hours(value: float) -> str:
    """Write a threshold as typed, in the reader's locale: 5 rather than 5.0, 4,5 in Dutch."""
    return format_decimal(value, "0.##")


# What raised a flag, and what came after.


def _number(value: float) -> str:
    return format_decimal(value, "0.0")


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value), "medium") if value else ""


def _short_day(value: date) -> str:
    return format_date(value, "d MMM")


def _days(values: Sequence[str]) -> str:
    """List ISO dates as short dates ("2 Dec, 4 Dec, 5 Dec")."""
    return ", ".join(_short_day(date.fromisoformat(value)) for value in values)


def evidence_in_words(flag) -> str:
    """Say in one sentence what raised a flag, with its dates, from its evidence."""
    evidence = flag.evidence or {}
    try:
        return _evidence_sentence(flag.rule, evidence)
    except (KeyError, TypeError, ValueError, IndexError):
        # Evidence of an older or unknown shape: still show the plain values, never fail.
        return "; ".join(
            f"{EVIDENCE_LABELS.get(key, key)}: {_evidence_value(value)}"
            for key, value in evidence.items()
            if key not in HIDDEN_EVIDENCE
        )


def _evidence_value(value: object) -> str:
    """Format one evidence value (a number, an ISO date, a list of them) for reading."""
    if isinstance(value, list | tuple):
        return ", ".join(_evidence_value(item) for item in value)
    if value is None:
        return "–"
    if isinstance(value, float):
        return format_decimal(value, "0.0#")
    if isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value), "medium")
        except ValueError:
            return value
    return str(value)


def _evidence_sentence(rule: str, evidence: dict) -> str:
    if rule == "safety":
        return _(
            "EPDS of %(day)s: item 10 (thoughts of harming herself) scored %(score)s; "
            "total %(total)s.",
            day=_day(evidence["submitted_on"]),
            score=evidence.get("item_10", "?"),
            total=evidence["total"],
        )
    if rule in ("epds_high", "epds_raised"):
        return _(
            "EPDS total %(total)s on %(day)s.",
            total=evidence["total"],
            day=_day(evidence["submitted_on"]),
        )
    if rule == "epds_rose" and evidence.get("compared_with") == "lowest_in_window":
        return _(
            "EPDS total rose from %(before)s on %(before_day)s (her lowest in the %(window)s days"
            " before) to %(total)s on %(day)s: %(rise)s points, more than the measurement error.",
            before=evidence["previous_total"],
            before_day=_day(evidence["previous_submitted_on"]),
            window=evidence.get("window_days", 90),
            total=evidence["total"],
            day=_day(evidence["submitted_on"]),
            rise=evidence["rise"],
        )
    if rule == "epds_rose":
        # Flags raised before the rule compared with her lowest: the previous EPDS.
        return _(
            "EPDS total rose from %(before)s on %(before_day)s to %(total)s on %(day)s:"
            " %(rise)s points, more than the measurement error.",
            before=evidence["previous_total"],
            before_day=_day(evidence["previous_submitted_on"]),
            total=evidence["total"],
            day=_day(evidence["submitted_on"]),
            rise=evidence["rise"],
        )
    if rule == "anxiety":
        return _(
            "GAD-7 total %(total)s on %(day)s.",
            total=evidence["total"],
            day=_day(evidence["submitted_on"]),
        )
    if rule == "low_mood" and "streak" in evidence:
        # Evidence of the former "days in a row" rule, on flags raised before the change.
        days = evidence["days"]
        return _(
            "Mood 2 or lower on %(count)s logged days in a row, %(first)s to %(last)s.",
            count=evidence["streak"],
            first=_day(days[0]),
            last=_day(days[-1]),
        )
    if rule == "low_mood":
        return _(
            "Mood %(max)s or lower on %(low)s of the last %(logged)s logged days within "
            "%(calendar)s days: %(days)s.",
            max=configured_thresholds().low_mood_max,
            low=evidence["low_days"],
            logged=evidence["logged_days"],
            calendar=evidence["calendar_days"],
            days=_days(evidence["days"]),
        )
    if rule == "short_sleep":
        return _(
            "On average %(hours)s hours of sleep over %(count)s logged nights, "
            "%(first)s to %(last)s.",
            hours=_number(evidence["mean_sleep_hours"]),
            count=evidence["logged_days"],
            first=_day(evidence["from"]),
            last=_day(evidence["to"]),
        )
    if rule == "bonding":
        return _(
            "Bonding %(max)s or lower on %(low)s of the last %(logged)s logged days: %(days)s.",
            max=configured_thresholds().bonding_max,
            low=evidence["low_days"],
            logged=evidence["logged_days"],
            days=_days(evidence["days"]),
        )
    if rule == "worsening":
        end = date.fromisoformat(evidence["to"])
        start = date.fromisoformat(evidence["from"])
        recent_start = start + (end - start + timedelta(days=1)) / 2
        return _(
            "Mean mood fell from %(before)s (%(before_first)s to %(before_last)s) to %(after)s "
            "(%(after_first)s to %(after_last)s).",
            before=_number(evidence["previous_mean"]),
            after=_number(evidence["recent_mean"]),
            before_first=_short_day(start),
            before_last=_short_day(recent_start - timedelta(days=1)),
            after_first=_short_day(recent_start),
            after_last=_short_day(end),
        )
    if rule == "silent":
        if evidence.get("last_checkin"):
            sentence = _(
                "No check-in for %(days)s days; the last one was on %(day)s.",
                days=evidence["days"],
                day=_day(evidence["last_checkin"]),
            )
        else:
            sentence = _(
                "No check-in for %(days)s days since the start on %(day)s.",
                days=evidence["days"],
                day=_day(evidence.get("started_on")),
            )
        if evidence.get("practitioner_entry"):
            sentence += " " + _(
                "A practitioner entered %(day)s during a phone consult.",
                day=_day(evidence["practitioner_entry"]),
            )
        return sentence
    raise KeyError(rule)


@dataclass(frozen=True)
class LaterScore:
    """A score of the flag's questionnaire that came in after the one that raised it."""

    id: int
    instrument: str
    total: int
    item_10: int | None
    submitted_at: datetime


def _evidence_response_id(flag) -> int | None:
    value = (flag.evidence or {}).get("response_id")
    return value if isinstance(value, int) else None


def later_scores_in_words(flag, later: Sequence[LaterScore]) -> str | None:
    """Say which later scores sit beside an open questionnaire flag ("since then: EPDS 6 on 4 Dec").

    A softer score never closes such a flag; the practitioner sees it here as context.
    """
    if not later:
        return None
    parts = []
    for score in sorted(later, key=lambda one: one.submitted_at):
        name = short_name(score.instrument)
        if flag.rule == "safety" and score.item_10 is not None:
            parts.append(
                _(
                    "%(name)s %(total)s (item 10: %(item)s) on %(day)s",
                    name=name,
                    total=score.total,
                    item=score.item_10,
                    day=format_date(score.submitted_at, "d MMM"),
                )
            )
        else:
            parts.append(
                _(
                    "%(name)s %(total)s on %(day)s",
                    name=name,
                    total=score.total,
                    day=format_date(score.submitted_at, "d MMM"),
                )
            )
    return _("since then: %(scores)s", scores=", ".join(parts))


def later_scores(flag, responses: Iterable[LaterScore]) -> list[LaterScore]:
    """Pick the responses of the flag's questionnaire newer than the one that raised it."""
    instrument = flags.QUESTIONNAIRE_RULES.get(flag.rule)
    raised_by = _evidence_response_id(flag)
    if instrument is None or raised_by is None:
        return []
    return [
        response
        for response in responses
        if response.instrument == instrument and response.id > raised_by
    ]


def as_later_score(response) -> LaterScore:
    """Read a response row (or the dashboard's latest score) as a possible later score."""
    item_10 = getattr(response, "item_10", None)
    if item_10 is None and response.instrument == flags.EPDS:
        scores = getattr(response, "item_scores", None) or []
        item_10 = scores[9] if len(scores) >= 10 else None
    return LaterScore(
        id=response.id,
        instrument=response.instrument,
        total=response.total,
        item_10=item_10,
        submitted_at=response.submitted_at,
    )
