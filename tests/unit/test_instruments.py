"""Scoring, bands and licensed wording of the questionnaire instruments."""

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.questionnaires.instruments import (
    DEFINITIONS_DIR,
    INSTRUMENT_KEYS,
    Instrument,
    InvalidAnswers,
    InvalidDefinition,
    UnreadableDefinition,
    band_for,
    load_instrument,
    read_licensed_definition,
    score,
    validate_licensed_definition,
)

EPDS_FIRST_OPTION_SCORES = {
    "epds1": 0,
    "epds2": 0,
    "epds3": 3,
    "epds4": 0,
    "epds5": 3,
    "epds6": 3,
    "epds7": 3,
    "epds8": 3,
    "epds9": 3,
    "epds10": 3,
}

# Distinctive phrases of the copyrighted EPDS wording that must never be shipped.
OFFICIAL_EPDS_PHRASES = [
    "I have been able to laugh and see the funny side of things",
    "The thought of harming myself has occurred to me",
    "funny side of things",
    "looked forward with enjoyment",
    "blamed myself unnecessarily",
    "getting on top of me",
]


def option_for_score(instrument: Instrument, item_id: str, wanted: int) -> int:
    """Return the option index that gives an item the wanted score."""
    return instrument.item(item_id).scores.index(wanted)


def answers_with_scores(instrument: Instrument, scores: dict[str, int]) -> dict[str, int]:
    """Return answers giving the listed items those scores and every other item 0."""
    return {
        item.id: option_for_score(instrument, item.id, scores.get(item.id, 0))
        for item in instrument.items
    }


def answers_for_total(instrument: Instrument, total: int) -> dict[str, int]:
    """Return answers whose scores add up to a total, filling items from the first."""
    scores = {}
    for item in instrument.items:
        scores[item.id] = min(item.max_score, total)
        total -= scores[item.id]
    assert total == 0
    return answers_with_scores(instrument, scores)


@pytest.fixture(scope="module")
def epds() -> Instrument:
    return load_instrument("epds")


@pytest.fixture(scope="module")
def gad7() -> Instrument:
    return load_instrument("gad7")


@pytest.fixture
def licensed_example() -> dict:
    return json.loads((DEFINITIONS_DIR / "licensed-example.json").read_text(encoding="utf-8"))


def test_instrument_keys_load():
    assert [load_instrument(key).key for key in INSTRUMENT_KEYS] == ["epds", "gad7"]


def test_unknown_instrument_raises_key_error():
    with pytest.raises(KeyError):
        load_instrument("phq9")


def test_epds_structure(epds):
    assert epds.item_ids == tuple(f"epds{n}" for n in range(1, 11))
    assert [item.number for item in epds.items] == list(range(1, 11))
    assert epds.max_total == 30
    assert epds.safety_item == "epds10"
    assert epds.safety_threshold == 1
    assert "Cox" in epds.source and "Pop" in epds.source
    assert "Royal College of Psychiatrists" in epds.licence


def test_gad7_structure(gad7):
    assert len(gad7.items) == 7
    assert gad7.max_total == 21
    assert gad7.safety_item is None
    assert all(item.scores == (0, 1, 2, 3) for item in gad7.items)
    assert gad7.item("gad7_4").text("en") == "Trouble relaxing"
    assert gad7.item("gad7_1").option_labels("en") == (
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    )
    assert "educational grant from Pfizer Inc." in gad7.licence


@pytest.mark.parametrize(("item_id", "first_score"), EPDS_FIRST_OPTION_SCORES.items())
def test_epds_item_direction(epds, item_id, first_score):
    answers = answers_with_scores(epds, {})
    answers[item_id] = 0

    result = score(epds, answers)

    assert epds.item(item_id).scores[0] == first_score
    assert result.total == first_score
    assert result.item_scores[epds.item_ids.index(item_id)] == first_score


@pytest.mark.parametrize(("key", "total"), [("epds", 0), ("epds", 30), ("gad7", 0), ("gad7", 21)])
def test_extreme_totals(key, total):
    instrument = load_instrument(key)
    wanted = {item.id: (item.max_score if total else 0) for item in instrument.items}

    assert score(instrument, answers_with_scores(instrument, wanted)).total == total


@pytest.mark.parametrize(
    ("key", "total", "band_key", "contact"),
    [
        ("epds", 0, "few_symptoms", False),
        ("epds", 9, "few_symptoms", False),
        ("epds", 10, "possible_depression", False),
        ("epds", 12, "possible_depression", False),
        ("epds", 13, "probable_depression", True),
        ("epds", 30, "probable_depression", True),
        ("gad7", 0, "minimal", False),
        ("gad7", 4, "minimal", False),
        ("gad7", 5, "mild", False),
        ("gad7", 9, "mild", False),
        ("gad7", 10, "moderate", True),
        ("gad7", 14, "moderate", True),
        ("gad7", 15, "severe", True),
        ("gad7", 21, "severe", True),
    ],
)
def test_band_boundaries(key, total, band_key, contact):
    instrument = load_instrument(key)

    result = score(instrument, answers_for_total(instrument, total))

    assert result.total == total
    assert result.band.key == band_key
    assert result.band.contact_practitioner is contact
    assert band_for(instrument, total) == result.band


@pytest.mark.parametrize(("key", "total"), [("epds", -1), ("epds", 31), ("gad7", 22)])
def test_band_for_refuses_impossible_totals(key, total):
    with pytest.raises(ValueError):
        band_for(load_instrument(key), total)


@pytest.mark.parametrize("key", INSTRUMENT_KEYS)
@pytest.mark.parametrize("locale", ["en", "nl"])
def test_band_meanings_are_plain_and_no_diagnosis(key, locale):
    for band in load_instrument(key).bands:
        meaning = band.meaning(locale)
        assert ("not a diagnosis" if locale == "en" else "geen diagnose") in meaning
        if locale == "nl":
            assert " je " not in f" {meaning} " and " jij " not in f" {meaning} "
            assert "uw behandelaar" in meaning


def test_epds_3a_sums_items_3_4_5(epds):
    answers = answers_with_scores(epds, {"epds3": 3, "epds4": 2, "epds5": 1, "epds6": 3})

    result = score(epds, answers)

    assert result.subscales == {"epds3a": 6}
    assert result.total == 9
    assert epds.subscales[0].practitioner_only is True


@pytest.mark.parametrize(("item_10_score", "safety"), [(0, False), (1, True), (2, True), (3, True)])
def test_epds_safety_item(epds, item_10_score, safety):
    result = score(epds, answers_with_scores(epds, {"epds10": item_10_score}))

    assert result.total == item_10_score
    assert result.band.key == "few_symptoms"
    assert result.safety is safety


def test_gad7_has_no_safety_answer(gad7):
    assert score(gad7, answers_for_total(gad7, 21)).safety is False


@pytest.mark.parametrize(
    ("change", "item_id", "message"),
    [
        (lambda answers: answers.pop("epds4"), "epds4", "missing"),
        (lambda answers: answers.update(epds11=0), "epds11", "unknown"),
        (lambda answers: answers.update(epds2=4), "epds2", "out_of_range"),
        (lambda answers: answers.update(epds7=-1), "epds7", "out_of_range"),
        (lambda answers: answers.update(epds1="2"), "epds1", "not_an_integer"),
        (lambda answers: answers.update(epds10=True), "epds10", "not_an_integer"),
    ],
)
def test_invalid_answers_name_the_item(epds, change, item_id, message):
    answers = answers_with_scores(epds, {})
    change(answers)

    with pytest.raises(InvalidAnswers) as caught:
        score(epds, answers)

    assert caught.value.errors == {item_id: message}
    assert isinstance(caught.value, ValueError)


def test_empty_answers_are_all_missing(gad7):
    with pytest.raises(InvalidAnswers) as caught:
        score(gad7, {})

    assert caught.value.errors == {item_id: "missing" for item_id in gad7.item_ids}


@pytest.mark.parametrize("key", INSTRUMENT_KEYS)
@given(data=st.data())
def test_any_valid_answers_score_inside_their_band(key, data):
    instrument = load_instrument(key)
    answers = data.draw(
        st.fixed_dictionaries(
            {item.id: st.integers(0, len(item.scores) - 1) for item in instrument.items}
        )
    )

    result = score(instrument, answers)

    assert 0 <= result.total <= instrument.max_total
    assert result.band.min <= result.total <= result.band.max
    assert result.total == sum(result.item_scores)


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_every_item_has_text_and_four_labels(locale):
    for key in INSTRUMENT_KEYS:
        for item in load_instrument(key).items:
            assert item.text(locale).strip()
            assert len(item.option_labels(locale)) == len(item.scores) == 4


def test_text_falls_back_to_english_then_same_language(epds, gad7):
    assert epds.item("epds1").text("de") == epds.item("epds1").text("en")
    assert gad7.item("gad7_1").text("nl_NL") == gad7.item("gad7_1").text("nl")
    assert gad7.instructions("nl").startswith("Hoe vaak heeft u")


def test_placeholder_and_validated_marks(epds, gad7):
    assert epds.is_placeholder("en") and epds.is_placeholder("nl")
    assert not epds.is_validated("en") and not epds.is_validated("nl")
    assert not gad7.is_placeholder("en") and not gad7.is_placeholder("nl")
    assert gad7.is_validated("en")
    assert not gad7.is_validated("nl")
    assert not gad7.is_validated("de")


@pytest.mark.parametrize("name", ["epds.json", "licensed-example.json"])
@pytest.mark.parametrize("phrase", OFFICIAL_EPDS_PHRASES)
def test_official_epds_wording_is_not_shipped(name, phrase):
    shipped = (DEFINITIONS_DIR / name).read_text(encoding="utf-8").casefold()

    assert phrase.casefold() not in shipped


def test_example_licensed_definition_is_valid(licensed_example):
    assert validate_licensed_definition("epds", licensed_example) == []


def test_licensed_wording_replaces_only_its_locale(licensed_example):
    instrument = load_instrument("epds", overrides={"nl": licensed_example})

    assert instrument.item("epds1").text("nl") == "<licensed wording of item 1>"
    assert instrument.item("epds10").option_labels("nl")[0].startswith("<licensed wording")
    assert not instrument.is_placeholder("nl")
    assert instrument.is_validated("nl")
    assert instrument.text_licence("nl") == licensed_example["licence"]
    assert instrument.is_placeholder("en")
    assert instrument.item("epds1").text("en") == "Item 1 — being able to laugh"
    assert load_instrument("epds").is_placeholder("nl"), "the cached shipped file is unchanged"

    answers = answers_with_scores(instrument, {"epds10": 1})
    assert score(instrument, answers).safety is True


def _change_scores(definition):
    definition["items"][2]["scores"] = [0, 1, 2, 3]


def _drop_item(definition):
    del definition["items"][9]


def _add_item(definition):
    extra = copy.deepcopy(definition["items"][0])
    extra["id"] = "epds11"
    definition["items"].append(extra)


def _empty_text(definition):
    definition["items"][1]["text"] = "  "


def _empty_option(definition):
    definition["items"][4]["options"][3] = ""


def _three_options(definition):
    definition["items"][0]["options"].pop()


def _swap_items(definition):
    items = definition["items"]
    items[0], items[1] = items[1], items[0]


def _other_instrument(definition):
    definition["instrument"] = "gad7"


def _no_licence(definition):
    del definition["licence"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_change_scores, "Item epds3: scores must be [3, 2, 1, 0]"),
        (_drop_item, "Missing item(s): epds10"),
        (_add_item, "Unknown item(s): 'epds11'"),
        (_empty_text, "Item epds2: the question text is missing or empty"),
        (_empty_option, "Item epds5: every option label needs text"),
        (_three_options, "Item epds1: give exactly 4 option labels"),
        (_swap_items, "Items must be in the scale's order"),
        (_other_instrument, '"instrument" must be "epds"'),
        (_no_licence, '"licence" must state'),
    ],
)
def test_invalid_licensed_definition_is_refused(licensed_example, change, expected):
    change(licensed_example)

    errors = validate_licensed_definition("epds", licensed_example)

    assert any(error.startswith(expected) for error in errors), errors
    with pytest.raises(InvalidDefinition):
        load_instrument("epds", overrides={"nl": licensed_example})


def test_licensed_definition_must_be_installed_under_its_locale(licensed_example):
    with pytest.raises(InvalidDefinition):
        load_instrument("epds", overrides={"en": licensed_example})


def test_licensed_definition_must_be_an_object():
    assert validate_licensed_definition("epds", ["not", "an", "object"]) != []


# --- Reading an uploaded wording file. ------------------------------------------------------


def test_brackets_and_escaped_quotes_inside_strings_do_not_count_as_nesting():
    text = '{"licence": "[[[[[[[[[[[[ \\" [[[[ {{{{{{{{{{", "items": []}'
    assert read_licensed_definition(text.encode())["items"] == []


def test_nesting_is_counted_after_an_escaped_backslash():
    text = '{"licence": "\\\\", "items": [[[[[[[[[[]]]]]]]]]]}'
    with pytest.raises(UnreadableDefinition) as refused:
        read_licensed_definition(text.encode())
    assert refused.value.reason == "too_deep"


def test_the_example_file_nests_within_the_limit():
    raw = (DEFINITIONS_DIR / "licensed-example.json").read_bytes()
    assert read_licensed_definition(raw)["instrument"] == "epds"
