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

from collections.abc import Sequence

from flask_babel import format_decimal
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


def rule_label(
    rule: str, level: str | None = None, thresholds: flags.Thresholds | None = None
) -> str:
    """Return a flag rule as what the data is ("bonding ≤ 2 on 3 of 7 days"), with its numbers."""
    limits = thresholds or flags.Thresholds()
    if rule == "safety":
        return _(
            "EPDS item 10 ≥ %(min)s (thoughts of harming herself)",
            min=limits.epds_urgent_item_score,
        )
    if rule == "epds_high":
        return _("EPDS ≥ %(min)s", min=limits.epds_high)
    if rule == "epds_raised":
        return _("EPDS %(min)s–%(max)s", min=limits.epds_raised, max=limits.epds_high - 1)
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
