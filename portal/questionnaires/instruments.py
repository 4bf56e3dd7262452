"""Questionnaire instruments: definitions read from data files, and pure scoring.

Each instrument is one JSON file in ``definitions/`` that cites its source:

- EPDS: Cox JL, Holden JM, Sagovsky R. Br J Psychiatry 1987;150:782-786;
  Dutch validation Pop VJ, Komproe IH, van Son MJ. J Affect Disord 1992;26:105-110.
- GAD-7: Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092-1097.

The EPDS wording is copyright of the Royal College of Psychiatrists, so its file
holds the structure and scoring with the portal's own neutral placeholder
labels. A practice that holds permission installs the licensed wording per
language (see ``validate_licensed_definition`` and
``definitions/licensed-example.json``) and passes it to ``load_instrument``.

Answers are option indexes in display order (0 = the first option shown), never
scores: the item's ``scores`` turn an index into points, so reversed items
cannot be scored the wrong way round.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

INSTRUMENT_KEYS = ("epds", "gad7")
DEFINITIONS_DIR = Path(__file__).parent / "definitions"
FALLBACK_LOCALE = "en"
PLACEHOLDER = "placeholder"
LICENSED = "licensed"

_LOCALE_PATTERN = re.compile(r"^[a-z]{2}(_[A-Z]{2})?$")
_UPLOAD_FIELDS = {"instrument", "locale", "licence", "validated", "instructions", "items"}
_UPLOAD_ITEM_FIELDS = {"id", "scores", "text", "options"}
# An uploaded wording file is a few kilobytes and nests four deep (object, items, item,
# options). The limits refuse anything far beyond that before parsing: json.loads recurses once
# per level, so "[" x 100,000 would otherwise end in a RecursionError.
MAX_DEFINITION_BYTES = 256 * 1024
MAX_DEFINITION_DEPTH = 8
MAX_LISTED_ERRORS = 20
_JSON_STRUCTURE = re.compile(r'[][{}"\\]')


class InvalidAnswers(ValueError):
    """Answers that cannot be scored; ``errors`` maps item id to a message key.

    Message keys: ``missing``, ``unknown``, ``not_an_integer``, ``out_of_range``.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        detail = ", ".join(f"{item_id}: {key}" for item_id, key in self.errors.items())
        super().__init__(f"invalid answers ({detail})")


class UnreadableDefinition(ValueError):
    """An uploaded file that is not one JSON object within the size and nesting limits.

    ``reason`` is ``too_large``, ``too_deep`` or ``not_json``; the message says it in English.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


class InvalidDefinition(ValueError):
    """An instrument definition that does not match the scale; ``errors`` lists why."""

    def __init__(self, instrument_key: str, errors: list[str]) -> None:
        self.instrument_key = instrument_key
        self.errors = list(errors)
        super().__init__(f"invalid {instrument_key} definition: " + " ".join(self.errors))


def _language(locale: str) -> str:
    """Return the language part of a locale such as ``nl_NL``."""
    return locale.replace("-", "_").split("_")[0]


def _resolve_locale(locale: str, available: Mapping[str, Any]) -> str:
    """Return the best available locale: exact, same language, English, then any."""
    for candidate in (locale, _language(locale), FALLBACK_LOCALE):
        if candidate in available:
            return candidate
    return next(iter(available))


def _pick(texts: Mapping[str, Any], locale: str) -> Any:
    """Return the entry for a locale with the usual fallbacks."""
    return texts[_resolve_locale(locale, texts)]


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a read-only copy; shipped instruments are cached and shared."""
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Item:
    """One question: its id, number, option scores in display order and its wording."""

    id: str
    number: int
    scores: tuple[int, ...]
    texts: Mapping[str, str]
    options: Mapping[str, tuple[str, ...]]

    def text(self, locale: str) -> str:
        """Return the item's wording in a locale, falling back to English, then any."""
        return _pick(self.texts, locale)

    def option_labels(self, locale: str) -> tuple[str, ...]:
        """Return the option labels in display order, falling back like ``text``."""
        return _pick(self.options, locale)

    @property
    def min_score(self) -> int:
        """Return the lowest score an answer to this item can give."""
        return min(self.scores)

    @property
    def max_score(self) -> int:
        """Return the highest score an answer to this item can give."""
        return max(self.scores)


@dataclass(frozen=True)
class Band:
    """A range of totals with what it means for her; ``level`` 0 is the lowest concern."""

    key: str
    min: int
    max: int
    level: int
    contact_practitioner: bool
    labels: Mapping[str, str]
    meanings: Mapping[str, str]

    def covers(self, total: int) -> bool:
        """Return whether a total falls in this band."""
        return self.min <= total <= self.max

    def label(self, locale: str) -> str:
        """Return the band's short name in a locale."""
        return _pick(self.labels, locale)

    def meaning(self, locale: str) -> str:
        """Return the plain-language meaning of the band in a locale."""
        return _pick(self.meanings, locale)


@dataclass(frozen=True)
class Subscale:
    """A sum over some items, such as EPDS-3A, with a note on how to read it."""

    key: str
    item_ids: tuple[str, ...]
    max: int
    practitioner_only: bool
    labels: Mapping[str, str]
    notes: Mapping[str, str]

    def label(self, locale: str) -> str:
        """Return the subscale's name in a locale."""
        return _pick(self.labels, locale)

    def note(self, locale: str) -> str:
        """Return how to read the subscale, in a locale."""
        return _pick(self.notes, locale)


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: items, bands, subscales, safety item and the state of its wording."""

    key: str
    name: str
    source: str
    licence: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    subscales: tuple[Subscale, ...]
    safety_item: str | None
    safety_threshold: int | None
    max_total: int
    text_status: Mapping[str, str]
    validated: Mapping[str, bool]
    recall_periods: Mapping[str, str]
    instructions_texts: Mapping[str, str]
    text_licences: Mapping[str, str]

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Return the item ids in display order."""
        return tuple(item.id for item in self.items)

    @property
    def locales(self) -> tuple[str, ...]:
        """Return the locales the instrument has wording for."""
        return tuple(self.text_status)

    def item(self, item_id: str) -> Item:
        """Return the item with this id, or raise KeyError."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def is_placeholder(self, locale: str) -> bool:
        """Return whether the wording shown for a locale is the portal's placeholder."""
        return self.text_status[_resolve_locale(locale, self.text_status)] == PLACEHOLDER

    def text_locale(self, locale: str) -> str:
        """Return the locale whose wording is shown for a requested locale."""
        return _resolve_locale(locale, self.text_status)

    def wording(self, locale: str) -> dict[str, object]:
        """Describe the wording shown for a locale, as a response records it.

        The version is a fingerprint of the exact text (instructions, items, options), so a
        response answered on a newly installed version can be told from one on the old.
        """
        shown = self.text_locale(locale)
        text = {
            "instructions": self.instructions(shown),
            "items": [[item.text(shown), list(item.option_labels(shown))] for item in self.items],
        }
        digest = hashlib.sha256(json.dumps(text, ensure_ascii=False).encode()).hexdigest()
        return {
            "wording": self.text_status[shown],
            "wording_locale": shown,
            "wording_validated": self.is_validated(locale),
            "wording_version": digest[:16],
        }

    def is_validated(self, locale: str) -> bool:
        """Return whether the wording shown for a locale is a validated text in its language."""
        shown = _resolve_locale(locale, self.text_status)
        return _language(shown) == _language(locale) and self.validated.get(shown, False)

    def instructions(self, locale: str) -> str:
        """Return the instructions shown above the items in a locale."""
        return _pick(self.instructions_texts, locale)

    def recall_period(self, locale: str) -> str:
        """Return the period the questions ask about, such as "the past 7 days"."""
        return _pick(self.recall_periods, locale)

    def text_licence(self, locale: str) -> str | None:
        """Return the practice's licence note for installed wording in a locale, if any."""
        return self.text_licences.get(_resolve_locale(locale, self.text_status))


@dataclass(frozen=True)
class Score:
    """The scored result of one filled questionnaire."""

    instrument_key: str
    total: int
    item_scores: tuple[int, ...]
    band: Band
    subscales: dict[str, int]
    safety: bool


def load_instrument(key: str, overrides: Mapping[str, dict] | None = None) -> Instrument:
    """Return an instrument, with a practice's licensed wording for the given locales.

    ``overrides`` maps a locale to a licensed definition as described in
    ``validate_licensed_definition``; an invalid one raises ``InvalidDefinition``
    rather than being shown with the wrong scores. An unknown key raises KeyError.
    """
    instrument = _shipped_instrument(key)
    for locale, definition in (overrides or {}).items():
        errors = validate_licensed_definition(key, definition)
        if not errors and definition["locale"] != locale:
            errors.append(f'Installed as "{locale}" but the file says "{definition["locale"]}".')
        if errors:
            raise InvalidDefinition(key, errors)
        instrument = _with_licensed_text(instrument, definition)
    return instrument


def score(instrument: Instrument, answers: Mapping[str, int]) -> Score:
    """Score answers (item id -> chosen option index) or raise ``InvalidAnswers``."""
    errors: dict[str, str] = {}
    scores_by_id: dict[str, int] = {}
    for item in instrument.items:
        if item.id not in answers:
            errors[item.id] = "missing"
            continue
        choice = answers[item.id]
        # bool is an int subclass; True must not silently mean option 1.
        if isinstance(choice, bool) or not isinstance(choice, int):
            errors[item.id] = "not_an_integer"
        elif not 0 <= choice < len(item.scores):
            errors[item.id] = "out_of_range"
        else:
            scores_by_id[item.id] = item.scores[choice]
    for item_id in answers:
        if item_id not in instrument.item_ids:
            errors[str(item_id)] = "unknown"
    if errors:
        raise InvalidAnswers(errors)

    total = sum(scores_by_id.values())
    safety = (
        instrument.safety_item is not None
        and instrument.safety_threshold is not None
        and scores_by_id[instrument.safety_item] >= instrument.safety_threshold
    )
    return Score(
        instrument_key=instrument.key,
        total=total,
        item_scores=tuple(scores_by_id[item_id] for item_id in instrument.item_ids),
        band=band_for(instrument, total),
        subscales={
            subscale.key: sum(scores_by_id[item_id] for item_id in subscale.item_ids)
            for subscale in instrument.subscales
        },
        safety=safety,
    )


def band_for(instrument: Instrument, total: int) -> Band:
    """Return the band a total falls in, or raise ValueError if none does."""
    for band in instrument.bands:
        if band.covers(total):
            return band
    raise ValueError(f"{instrument.key} total {total} is outside 0-{instrument.max_total}")


def read_licensed_definition(raw: bytes) -> dict:
    """Parse an uploaded wording file, refusing it unread when too large or too deeply nested.

    Callers read at most MAX_DEFINITION_BYTES + 1 bytes, so a larger file is never held whole.
    """
    if len(raw) > MAX_DEFINITION_BYTES:
        raise UnreadableDefinition(
            "too_large", f"the file is larger than {MAX_DEFINITION_BYTES // 1024} KB"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableDefinition("not_json", "the file is not UTF-8 text") from error
    if _nests_deeper_than(text, MAX_DEFINITION_DEPTH):
        raise UnreadableDefinition(
            "too_deep", f"the file is nested more than {MAX_DEFINITION_DEPTH} levels deep"
        )
    try:
        definition = json.loads(text)
    except ValueError as error:
        raise UnreadableDefinition("not_json", f"the file is not valid JSON: {error}") from error
    if not isinstance(definition, dict):
        raise UnreadableDefinition("not_json", "the file must hold one JSON object")
    return definition


def _nests_deeper_than(text: str, limit: int) -> bool:
    """Tell whether JSON text opens more than `limit` arrays or objects inside each other."""
    depth, in_string, escaped = 0, False, -1
    for match in _JSON_STRUCTURE.finditer(text):
        char, position = match.group(), match.start()
        if position == escaped:
            continue
        if in_string:
            if char == "\\":
                escaped = position + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def validate_licensed_definition(instrument_key: str, data: dict) -> list[str]:
    """Check a practice's licensed wording against the scale; return English errors.

    An empty list means the definition can be installed. The expected upload is
    one JSON object per instrument and language (see
    ``definitions/licensed-example.json``)::

        {
          "instrument": "epds",            # the instrument key
          "locale": "nl",                  # language code: "nl", "en", "nl_BE", ...
          "licence": "citation and the permission the practice holds",
          "validated": true,               # optional, default false: a validated text
          "instructions": "...",           # optional text above the items
          "items": [                       # every item of the scale, in its order
            {
              "id": "epds1",               # the portal's item id
              "scores": [0, 1, 2, 3],      # the scale's scores, options in this order
              "text": "wording of the question",
              "options": ["option 1", "option 2", "option 3", "option 4"]
            },
            ...
          ]
        }

    The scores must repeat the portal's scores exactly: they prove the options
    are listed in the order the portal scores them. An unknown instrument key
    raises KeyError.
    """
    instrument = _shipped_instrument(instrument_key)
    if not isinstance(data, dict):
        return ["The definition must be a JSON object with the fields shown in the example."]
    errors: list[str] = []
    unknown_fields = sorted(str(field) for field in set(data) - _UPLOAD_FIELDS)
    if unknown_fields:
        errors.append(f"Unknown field(s): {_listed(unknown_fields)}.")
    if data.get("instrument") != instrument_key:
        given_key = _shown(data.get("instrument"))
        errors.append(f'"instrument" must be "{instrument_key}", not {given_key}.')
    locale = data.get("locale")
    if not isinstance(locale, str) or not _LOCALE_PATTERN.match(locale):
        errors.append('"locale" must be a language code such as "nl" or "en".')
    if not _is_text(data.get("licence")):
        errors.append('"licence" must state the source and the permission for this wording.')
    if "validated" in data and not isinstance(data["validated"], bool):
        errors.append('"validated" must be true or false.')
    if "instructions" in data and not _is_text(data["instructions"]):
        errors.append('"instructions", when given, must be non-empty text.')
    items = data.get("items")
    if not isinstance(items, list):
        errors.append('"items" must be a list with every item of the scale.')
        return errors
    return _first_errors(errors + _licensed_item_errors(instrument, items))


def _first_errors(errors: list[str]) -> list[str]:
    """Keep a long list of problems readable: the first ones and how many more there are."""
    if len(errors) <= MAX_LISTED_ERRORS:
        return errors
    more = len(errors) - MAX_LISTED_ERRORS
    return errors[:MAX_LISTED_ERRORS] + [f"... and {more} more problems."]


def _shown(value: Any) -> str:
    """Quote a value from the file for a message, cut short when long."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _listed(values: list[str]) -> str:
    """Join values for a message, naming at most ten of them."""
    shown = ", ".join(values[:10])
    return shown if len(values) <= 10 else f"{shown} (and {len(values) - 10} more)"


def _licensed_item_errors(instrument: Instrument, entries: list[Any]) -> list[str]:
    """Return errors in the items of a licensed definition."""
    errors: list[str] = []
    expected = list(instrument.item_ids)
    given = [entry.get("id") if isinstance(entry, dict) else None for entry in entries]
    missing = [item_id for item_id in expected if item_id not in given]
    extra = [_shown(item_id) for item_id in given if item_id not in expected]
    repeated = sorted({item_id for item_id in expected if given.count(item_id) > 1})
    if missing:
        errors.append(f"Missing item(s): {', '.join(missing)}.")
    if extra:
        errors.append(f"Unknown item(s): {_listed(extra)}; the scale has {', '.join(expected)}.")
    if repeated:
        errors.append(f"Item(s) listed more than once: {', '.join(repeated)}.")
    if not (missing or extra or repeated) and given != expected:
        errors.append(f"Items must be in the scale's order: {', '.join(expected)}.")

    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            errors.append(f"Item {position} must be an object with id, scores, text and options.")
            continue
        if entry.get("id") not in expected:
            continue
        item = instrument.item(entry["id"])
        unknown_fields = sorted(str(field) for field in set(entry) - _UPLOAD_ITEM_FIELDS)
        if unknown_fields:
            errors.append(f"Item {item.id}: unknown field(s) {_listed(unknown_fields)}.")
        entry_scores = entry.get("scores")
        if not _is_int_list(entry_scores) or list(entry_scores) != list(item.scores):
            errors.append(
                f"Item {item.id}: scores must be {list(item.scores)}, not {_shown(entry_scores)}; "
                "list the options in the order the scale scores them."
            )
        if not _is_text(entry.get("text")):
            errors.append(f"Item {item.id}: the question text is missing or empty.")
        options = entry.get("options")
        if not isinstance(options, list) or len(options) != len(item.scores):
            errors.append(f"Item {item.id}: give exactly {len(item.scores)} option labels.")
        elif not all(_is_text(label) for label in options):
            errors.append(f"Item {item.id}: every option label needs text.")
    return errors


def _is_text(value: Any) -> bool:
    """Return whether a value is a string with something other than whitespace."""
    return isinstance(value, str) and bool(value.strip())


def _is_int_list(value: Any) -> bool:
    """Return whether a value is a list of plain integers (not booleans or floats)."""
    return isinstance(value, list) and all(type(entry) is int for entry in value)


@lru_cache
def _shipped_instrument(key: str) -> Instrument:
    """Return the instrument parsed from its shipped definition file."""
    if key not in INSTRUMENT_KEYS:
        raise KeyError(key)
    path = DEFINITIONS_DIR / f"{key}.json"
    instrument = _instrument_from_definition(json.loads(path.read_text(encoding="utf-8")))
    errors = _definition_errors(instrument)
    if errors:
        raise InvalidDefinition(key, errors)
    return instrument


def _instrument_from_definition(definition: dict[str, Any]) -> Instrument:
    """Build an instrument from a shipped definition file's data.

    The file's ``validated`` keys name its locales; ``text`` is their shared status.
    """
    items = tuple(
        Item(
            id=entry["id"],
            number=entry["number"],
            scores=tuple(entry["scores"]),
            texts=_frozen(entry["text"]),
            options=_frozen({locale: tuple(labels) for locale, labels in entry["options"].items()}),
        )
        for entry in definition["items"]
    )
    bands = tuple(
        Band(
            key=entry["key"],
            min=entry["min"],
            max=entry["max"],
            level=entry["level"],
            contact_practitioner=entry["contact_practitioner"],
            labels=_frozen(entry["label"]),
            meanings=_frozen(entry["meaning"]),
        )
        for entry in definition["bands"]
    )
    subscales = tuple(
        Subscale(
            key=entry["key"],
            item_ids=tuple(entry["items"]),
            max=entry["max"],
            practitioner_only=entry["practitioner_only"],
            labels=_frozen(entry["label"]),
            notes=_frozen(entry["note"]),
        )
        for entry in definition["subscales"]
    )
    safety = definition.get("safety") or {}
    validated = definition["validated"]
    return Instrument(
        key=definition["key"],
        name=definition["name"],
        source=definition["source"],
        licence=definition["licence"],
        items=items,
        bands=bands,
        subscales=subscales,
        safety_item=safety.get("item"),
        safety_threshold=safety.get("threshold"),
        max_total=definition["max_total"],
        text_status=_frozen({locale: definition["text"] for locale in validated}),
        validated=_frozen(validated),
        recall_periods=_frozen(definition["recall_period"]),
        instructions_texts=_frozen(definition["instructions"]),
        text_licences=_frozen({}),
    )


def _definition_errors(instrument: Instrument) -> list[str]:
    """Return inconsistencies in a shipped definition, so bad data fails at load."""
    errors: list[str] = []
    ids = instrument.item_ids
    if len(set(ids)) != len(ids):
        errors.append("Item ids are not unique.")
    if [item.number for item in instrument.items] != list(range(1, len(ids) + 1)):
        errors.append("Items are not numbered 1, 2, 3, ... in order.")
    for item in instrument.items:
        for locale in instrument.locales:
            if not _is_text(item.texts.get(locale)):
                errors.append(f"Item {item.id} has no text in {locale}.")
            labels = item.options.get(locale, ())
            if len(labels) != len(item.scores) or not all(map(_is_text, labels)):
                errors.append(f"Item {item.id} needs {len(item.scores)} option labels in {locale}.")
    lowest = sum(item.min_score for item in instrument.items)
    highest = sum(item.max_score for item in instrument.items)
    if highest != instrument.max_total:
        errors.append(f"max_total {instrument.max_total} is not the item maximum {highest}.")
    expected_min = lowest
    for band in instrument.bands:
        if band.min != expected_min or band.max < band.min:
            errors.append(f"Band {band.key} does not start at {expected_min}.")
        expected_min = band.max + 1
    if expected_min != highest + 1:
        errors.append(f"Bands do not end at {highest}.")
    if instrument.safety_item is not None and instrument.safety_item not in ids:
        errors.append(f"Safety item {instrument.safety_item} is not an item.")
    for subscale in instrument.subscales:
        unknown = [item_id for item_id in subscale.item_ids if item_id not in ids]
        if unknown:
            errors.append(f"Subscale {subscale.key} names unknown items {unknown}.")
        elif subscale.max != sum(instrument.item(i).max_score for i in subscale.item_ids):
            errors.append(f"Subscale {subscale.key} max does not match its items.")
    return errors


def _with_licensed_text(instrument: Instrument, definition: dict[str, Any]) -> Instrument:
    """Return the instrument with a validated licensed definition's wording for its locale."""
    locale = definition["locale"]
    entries = {entry["id"]: entry for entry in definition["items"]}
    items = tuple(
        replace(
            item,
            texts=_frozen({**item.texts, locale: entries[item.id]["text"]}),
            options=_frozen({**item.options, locale: tuple(entries[item.id]["options"])}),
        )
        for item in instrument.items
    )
    instructions = dict(instrument.instructions_texts)
    if "instructions" in definition:
        instructions[locale] = definition["instructions"]
    return replace(
        instrument,
        items=items,
        text_status=_frozen({**instrument.text_status, locale: LICENSED}),
        validated=_frozen({**instrument.validated, locale: definition.get("validated", False)}),
        instructions_texts=_frozen(instructions),
        text_licences=_frozen({**instrument.text_licences, locale: definition["licence"]}),
    )
