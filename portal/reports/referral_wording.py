"""The referral summary's own words: clinical, third person, for a colleague who reads her data.

Each reader has its own wording (ARCHITECTURE.md): the mother reads "u", the practitioner the
staff labels, and a colleague receiving a referral reads these. They never say "u", "uw",
"you" or "your"; the tests scan every referral and share output for them. Pure functions of
plain values (the caller forces the locale), so a test calls them without a database.
"""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_timedelta
from flask_babel import gettext as _

from portal.i18n import date_locale
from portal.questionnaires.trends import APPROXIMATE, RELIABLE_CHANGE, Change

# Short citations for page 1; the questionnaires section names the full sources.
SHORT_SOURCES = {
    "epds": "Cox et al. 1987; Pop et al. 1992",
    "gad7": "Spitzer et al. 2006",
}
# Where each reliable-change threshold comes from (portal/questionnaires/trends.py).
RELIABLE_CHANGE_SOURCES = {
    "epds": "Matthey 2004",
    "gad7": "NHS Talking Therapies 2023",
}


def item10_meaning(score: int) -> str:
    """Say what a positive EPDS item 10 means for a colleague, whatever the total."""
    return _(
        "Item 10 (thoughts of harming herself) was scored %(score)d of 3. This answer needs "
        "attention whatever the total.",
        score=score,
    )


def item10_risk(date_text: str, answer: str, score: int) -> str:
    """Describe an item-10 answer for the "current risk" box."""
    return _(
        "EPDS item 10 (thoughts of harming herself), %(date)s: answered \"%(answer)s\" "
        "(%(score)d of 3).",
        date=date_text,
        answer=answer,
        score=score,
    )


def age_text(age: timedelta, locale: str) -> str:
    """Say how long ago something happened ("3 days"), in the reader's language."""
    return format_timedelta(age, threshold=1.5, locale=date_locale(locale))


def open_flag_risk(level: str, rule: str, raised_text: str, age: str) -> str:
    """Describe an open urgent or high flag with its age, for the "current risk" box."""
    return _(
        "Open flag (%(level)s) since %(date)s (%(age)s): %(rule)s.",
        level=level,
        date=raised_text,
        age=age,
        rule=rule,
    )


def change_text(instrument: str, change: Change, since: str, date_text: str) -> str:
    """Say a change in total and whether it is larger than measurement error."""
    threshold = RELIABLE_CHANGE.get(instrument)
    source = RELIABLE_CHANGE_SOURCES.get(instrument, "")
    if APPROXIMATE.get(instrument):
        source = _("%(source)s, an approximation", source=source)
    points = f"{change.points:+d}" if change.points else "0"
    if change.reliable:
        verdict = _(
            "a reliable change (%(min)d points or more; %(source)s)",
            min=threshold,
            source=source,
        )
    else:
        verdict = _(
            "within measurement error (less than %(min)d points; %(source)s)",
            min=threshold or 0,
            source=source,
        )
    if since == "previous":
        return _(
            "%(points)s points since the previous score (%(date)s): %(verdict)s.",
            points=points,
            date=date_text,
            verdict=verdict,
        )
    return _(
        "%(points)s points since the first score in this period (%(date)s): %(verdict)s.",
        points=points,
        date=date_text,
        verdict=verdict,
    )


def item10_in_response(score: int) -> str:
    """Note under a score card that its own response holds a positive item 10."""
    return _(
        "Item 10 (thoughts of harming herself) scored %(score)d in this questionnaire: see "
        "current risk.",
        score=score,
    )


def item10_earlier(date_text: str) -> str:
    """Note under a score card that item 10 was positive earlier in the period."""
    return _(
        "Item 10 (thoughts of harming herself) was answered positively earlier in this period "
        "(%(date)s): see current risk.",
        date=date_text,
    )


def handled_flag(rule: str, level: str, raised_text: str, name: str | None) -> str:
    """Describe a flag the practice handled, and who handled it."""
    return _(
        "%(rule)s (%(level)s), raised %(date)s: acknowledged by %(name)s.",
        rule=rule,
        level=level,
        date=raised_text,
        name=name or _("a former practitioner"),
    )


def call_line(callee: str, caller: str | None, rule: str, outcome: str) -> str:
    """Describe a call made about a flag, with its outcome (never the call's own note)."""
    return _(
        "Call to %(callee)s by %(caller)s about \"%(rule)s\": %(outcome)s.",
        callee=callee,
        caller=caller or _("a former practitioner"),
        rule=rule,
        outcome=outcome,
    )
