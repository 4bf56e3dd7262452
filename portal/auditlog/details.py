"""The details of access-log entries in the reader's language.

Entries store their detail as short plain text in one fixed form per kind ("period 30 days",
"flag 2: no_answer", "note 5 (shared)"), so the log stays readable in a CSV and never holds
health data. This module reads those forms back and words them through the catalogue; what it
does not recognise (an e-mail address, a path, a module's slug) is shown as it is.
"""

import re
from collections.abc import Callable
from datetime import date

from flask_babel import format_date, gettext, ngettext
from flask_babel import lazy_gettext as _l

from portal.careteam.forms import CARE_ROLE_LABELS, OUTCOME_LABELS

CONTACT_FIELD_LABELS = {
    "date_of_birth": _l("date of birth"),
    "phone": _l("phone"),
    "emergency_contact_name": _l("emergency contact"),
    "emergency_contact_relation": _l("emergency contact's relation"),
    "emergency_contact_phone": _l("emergency contact's phone"),
}
SIGN_IN_METHODS = {"totp": _l("authenticator code"), "recovery_code": _l("recovery code")}
AUDIENCES = {"client": _l("client's version"), "practitioner": _l("practitioner's version"),
             "referral": _l("referral version")}
FILTER_WORDS = {"client": _l("client %(value)s"), "user": _l("person %(value)s"),
                "from": _l("from %(value)s"), "to": _l("up to %(value)s")}


def _day(text: str) -> str:
    try:
        return format_date(date.fromisoformat(text), "medium")
    except ValueError:
        return text


def _ids(text: str) -> str:
    return ", ".join(part.strip() for part in text.split(","))


def _filters(text: str) -> str:
    if text == "all":
        return gettext("none")
    words = []
    for part in text.split(", "):
        name, _space, value = part.partition(" ")
        template = FILTER_WORDS.get(name)
        if template is None:
            words.append(part)
        else:
            shown = _day(value) if name in ("from", "to") else value
            words.append(str(template) % {"value": shown})
    return ", ".join(words)


def _label(labels: dict, key: str) -> str:
    label = labels.get(key)
    return str(label) if label is not None else key


# (pattern, wording): the first pattern that matches the whole detail words it.
PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"period (\d+) days"),
     lambda m: gettext("period of %(days)s days", days=m[1])),
    (re.compile(r"clients none"), lambda m: gettext("no clients listed")),
    (re.compile(r"clients ([\d, ]+)"),
     lambda m: gettext("clients %(ids)s", ids=_ids(m[1]))),
    (re.compile(r"flags ([\d, ]+)"), lambda m: gettext("flags %(ids)s", ids=_ids(m[1]))),
    (re.compile(r"flag (\d+)"), lambda m: gettext("flag %(id)s", id=m[1])),
    (re.compile(r"flag (\d+): (\w+)"),
     lambda m: gettext("flag %(id)s: %(outcome)s", id=m[1],
                       outcome=_label(OUTCOME_LABELS, m[2]).lower())),
    (re.compile(r"note (\d+) \(shared\)"),
     lambda m: gettext("note %(id)s (shared with the client)", id=m[1])),
    (re.compile(r"note (\d+) \(private\)"),
     lambda m: gettext("note %(id)s (private)", id=m[1])),
    (re.compile(r"note (\d+)"), lambda m: gettext("note %(id)s", id=m[1])),
    (re.compile(r"thread (\d+)((?:, thread \d+)*)"),
     lambda m: gettext("conversation %(ids)s",
                       ids=", ".join(re.findall(r"\d+", m[0])))),
    (re.compile(r"day (\d{4}-\d{2}-\d{2})"), lambda m: gettext("day %(day)s", day=_day(m[1]))),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), lambda m: _day(m[0])),
    (re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})(?: \((\w+) version\))?"),
     lambda m: gettext("%(start)s to %(end)s", start=_day(m[1]), end=_day(m[2]))
     + (f" ({_label(AUDIENCES, m[3])})" if m[3] else "")),
    (re.compile(r"filters: (.*)"), lambda m: gettext("filters: %(filters)s",
                                                     filters=_filters(m[1]))),
    (re.compile(r"share (\d+) to member (\d+) until (\S+)"),
     lambda m: gettext("share link %(share)s to care-team member %(member)s, valid until %(day)s",
                       share=m[1], member=m[2], day=_day(m[3]))),
    (re.compile(r"share (\d+): (.*)"),
     lambda m: gettext("share link %(share)s: %(what)s", share=m[1], what=m[2])),
    (re.compile(r"share (\d+)"), lambda m: gettext("share link %(share)s", share=m[1])),
    (re.compile(r"member (\d+) \((\w+)\)"),
     lambda m: gettext("care-team member %(id)s (%(role)s)", id=m[1],
                       role=_label(CARE_ROLE_LABELS, m[2]))),
    (re.compile(r"practitioner=(\d+)"),
     lambda m: gettext("practitioner %(id)s", id=m[1])),
    (re.compile(r"(\d+) sessions"),
     lambda m: ngettext("%(num)d device", "%(num)d devices", int(m[1]))),
    (re.compile(r"(\d+) accounts"),
     lambda m: ngettext("%(num)d account", "%(num)d accounts", int(m[1]))),
    (re.compile(r"erasure request (\d+)"),
     lambda m: gettext("erasure request %(id)s", id=m[1])),
    (re.compile(r"the address belongs to another account"),
     lambda m: gettext("the address belongs to another account")),
    (re.compile(r"(totp|recovery_code)"), lambda m: _label(SIGN_IN_METHODS, m[1])),
]


def _contact_fields(detail: str) -> str | None:
    names = detail.split(", ")
    if all(name in CONTACT_FIELD_LABELS for name in names):
        return ", ".join(str(CONTACT_FIELD_LABELS[name]) for name in names)
    return None


def detail_in_words(detail: str | None) -> str:
    """Return an access-log detail in the reader's language (unknown forms as they are)."""
    if not detail:
        return ""
    for pattern, words in PATTERNS:
        match = pattern.fullmatch(detail)
        if match:
            return words(match)
    return _contact_fields(detail) or detail
