"""What the built-in texts may say: hedged claims, the safety lines, who to call, one word per role.

These read the shipped Markdown and questionnaire definitions, with no database: a text that
states a research direction as fact, or drops a safety line, fails here before anyone reads it.
"""

import json
import re
from pathlib import Path

import pytest

from portal.guidance.loader import CONTENT_DIR, parse_language
from portal.questionnaires.instruments import load_instrument

DEFINITIONS = Path(__file__).resolve().parent.parent / "portal" / "questionnaires" / "definitions"
LANGUAGES = ("nl", "en")


def texts(lang: str) -> dict[str, str]:
    """Return every module and lesson text of a language, keyed 'module' or 'module/lesson'."""
    found = {}
    for module in parse_language(CONTENT_DIR, lang).values():
        intro = module.texts[lang]
        found[module.slug] = "\n".join((intro.title, intro.summary, intro.body))
        for lesson in module.lessons.values():
            text = lesson.texts[lang]
            found[f"{module.slug}/{lesson.slug}"] = "\n".join((text.title, text.summary, text.body))
    return found


def lesson(lang: str, key: str) -> str:
    return texts(lang)[key]


def plain(text: str) -> str:
    """Lower-case the text and fold line breaks and Markdown emphasis away."""
    return re.sub(r"\s+", " ", text.replace("**", "")).lower()


# --- Claims stated as fact. -----------------------------------------------------------------

NOT_REACHING_THE_BRAIN = {
    "nl": re.compile(r"bereikt (uw|de) hersenen niet"),
    "en": re.compile(r"(does not|doesn't) reach (your|the) brain"),
}
IMBALANCE = {"nl": "uit balans", "en": "out of balance"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_says_drip_oxytocin_never_reaches_the_brain(lang):
    offenders = [key for key, text in texts(lang).items()
                 if NOT_REACHING_THE_BRAIN[lang].search(plain(text))]
    assert offenders == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_explains_her_feelings_as_a_hormone_imbalance(lang):
    offenders = [key for key, text in texts(lang).items()
                 if IMBALANCE[lang] in plain(text) or "imbalance" in plain(text)]
    assert offenders == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_induction_lesson_gives_the_evidence_with_its_sources(lang):
    text = plain(lesson(lang, "oxytocin-and-recovery/what-happened-during-the-induction"))
    # Poorly, but high infusion rates do reach it; no link to depression can be concluded;
    # nearly every Dutch mother gets it after birth anyway.
    assert "buckley" in text and "2023;23:137" in text
    assert "thul" in text and "2020;120:104793" in text
    if lang == "nl":
        assert "slecht" in text and "hoge dosis" in text
        assert "bijna elke moeder" in text and "bloedverlies" in text
    else:
        assert "poorly" in text and "high dose" in text
        assert "almost every mother" in text and "bleeding" in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_oxtr_passages_say_the_finding_did_not_replicate(lang):
    for key in ("oxytocin-and-recovery/a-personal-approach", "bonding/bonding-can-grow-slowly"):
        text = plain(lesson(lang, key))
        if "oxtr" in text or "rodrigues" in text:
            assert "bakermans-kranenburg" in text, key
            assert ("niet bevestigd" if lang == "nl" else "not confirmed") in text, key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_gut_brain_lesson_says_the_oxytocin_link_is_mostly_from_mice(lang):
    text = plain(lesson(lang, "gut-health/the-gut-brain-axis"))
    assert ("muizen" if lang == "nl" else "mice") in text


# --- When to ask for help: the conditions that need a doctor today. ---------------------------

RED_FLAGS = {
    "nl": ("psychose", "verward", "veel bloedverlies", "koorts", "hevige hoofdpijn",
           "sterretjes", "kuit", "kortademig", "borst", "dezelfde dag", "huisartsenpost"),
    "en": ("psychosis", "confused", "heavy bleeding", "fever", "severe headache",
           "seeing spots", "calf", "breathless", "breast", "same day", "huisartsenpost"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_warning_signs_name_psychosis_and_the_physical_red_flags(lang):
    text = plain(lesson(lang, "when-to-ask-for-help/warning-signs"))
    assert [word for word in RED_FLAGS[lang] if word not in text] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_help_module_introduction_mentions_the_same_day_conditions(lang):
    text = plain(texts(lang)["when-to-ask-for-help"])
    assert ("psychose" if lang == "nl" else "psychosis") in text


# --- Safety lines. -------------------------------------------------------------------------

SAFETY_LINES = {
    ("nl", "bonding/laughing-singing-and-pets"): (
        "handen", "nooit alleen", "bedje"),
    ("en", "bonding/laughing-singing-and-pets"): (
        "wash your hands", "never leave your baby alone", "cot"),
    ("nl", "bonding/skin-to-skin"): (
        "gezichtje", "neus en mond", "bank", "fauteuil"),
    ("en", "bonding/skin-to-skin"): (
        "face", "nose and mouth", "sofa", "armchair"),
    ("nl", "stress-and-breathing/four-seven-eight-breathing"): (
        "staat", "vasthoudt", "duizelig", "bloedarmoede", "paniek"),
    ("en", "stress-and-breathing/four-seven-eight-breathing"): (
        "standing", "holding your baby", "dizzy", "anaemia", "panic"),
}


@pytest.mark.parametrize(("lang", "key"), sorted(SAFETY_LINES))
def test_the_safety_lines_are_there(lang, key):
    text = plain(lesson(lang, key))
    assert [word for word in SAFETY_LINES[(lang, key)] if word not in text] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pets_in_other_lessons_come_with_the_safety_line(lang):
    pet = re.compile(r"\bhuisdier" if lang == "nl" else r"\bpets?\b")
    line = "nooit alleen" if lang == "nl" else "never leave your baby alone"
    for key, text in texts(lang).items():
        if "/" in key and pet.search(plain(text)):
            assert line in plain(text), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_breathing_lesson_makes_no_oxytocin_promise_and_cites_no_weil(lang):
    text = plain(lesson(lang, "stress-and-breathing/four-seven-eight-breathing"))
    assert "weil" not in text
    assert "oxytocin" not in text


# --- Nutrition: the Dutch basics. ------------------------------------------------------------

NUTRITION_BASICS = {
    "nl": ("vitamine d", "10 microgram", "geen alcohol", "cafeïne", "200 milligram",
           "ijzer", "kruidenthee"),
    "en": ("vitamin d", "10 micrograms", "no alcohol", "caffeine", "200 milligrams",
           "iron", "herbal tea"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_nutrition_module_gives_the_dutch_basics(lang):
    module = plain(" ".join(text for key, text in texts(lang).items()
                            if key.startswith("nutrition")))
    assert [word for word in NUTRITION_BASICS[lang] if word not in module] == []


# --- One word for the professional. --------------------------------------------------------


def _dutch_definition_texts(key: str) -> str:
    definition = json.loads((DEFINITIONS / f"{key}.json").read_text(encoding="utf-8"))
    found = []

    def walk(node):
        if isinstance(node, dict):
            for name, value in node.items():
                if name == "nl" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(definition)
    return " ".join(found)


def test_the_dutch_texts_call_the_professional_behandelaar_throughout():
    dutch = " ".join(texts("nl").values())
    dutch += " ".join(_dutch_definition_texts(key) for key in ("epds", "gad7"))
    assert "zorgverlener" not in dutch.lower()
    assert "behandelaar" in dutch


# --- Questionnaire small fixes. ------------------------------------------------------------


def test_gad7_item_7_keeps_as_if_in_dutch():
    item = load_instrument("gad7").item("gad7_7")
    assert "alsof" in item.text("nl")
    assert "as if" in item.text("en")


def test_gad7_dutch_text_stays_marked_not_validated():
    gad7 = load_instrument("gad7")
    assert not gad7.is_validated("nl")
    assert "not been validated" in gad7.licence


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_epds_3a_note_cites_the_dutch_study(lang):
    note = load_instrument("epds").subscales[0].note(lang)
    assert "van der Zee-van den Berg" in note and "e0221894" in note
    # Matthey's data are Australian: never cited as the Dutch finding.
    assert "Matthey" not in note or ("Australi" in note)


def test_epds_item_10_dutch_topic():
    assert load_instrument("epds").item("epds10").text("nl").endswith(
        "gedachten om uzelf iets aan te doen"
    )


# --- When to ask for help: every warning sign of DOMAIN.md, "call now" where minutes count. --

# DOMAIN.md's red-flag list, sign by sign, as the help module words it (Thuisarts; NICE
# CG37/NG194; KNOV).
WARNING_SIGNS = {
    "nl": (
        "verward", "dingen die anderen niet zien of horen", "al dagen niet",
        "vreemde overtuigingen",
        "uw baby iets aan te doen", "veel bloedverlies", "grote stolsels", "pijn op de borst",
        "kortademig", "bloed ophoesten", "pijnlijke, dikke kuit", "hevige hoofdpijn",
        "sterretjes", "pijn hoog in uw buik", "overgeven", "koorts", "rillingen",
        "heel ziek", "vies ruikt", "wond die rood, warm of nat", "rode, warme borst, met koorts",
    ),
    "en": (
        "confused", "see or hear things", "not slept for days", "strange beliefs",
        "harming yourself or your baby", "heavy bleeding", "large clots", "chest pain",
        "breathless", "coughing up blood", "painful, swollen calf", "severe headache",
        "seeing spots", "pain high in your belly", "vomiting", "fever", "shivering",
        "very unwell", "smells bad", "wound that is red, hot or leaking",
        "red, hot breast, with fever",
    ),
}
CALL_NOW = {"nl": "bel nu", "en": "call now"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_warning_signs_lesson_names_every_sign_of_the_domain_list(lang):
    text = plain(lesson(lang, "when-to-ask-for-help/warning-signs"))
    assert [sign for sign in WARNING_SIGNS[lang] if sign.lower() not in text] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_psychosis_and_harming_herself_or_the_baby_say_call_now_not_today(lang):
    body = lesson(lang, "when-to-ask-for-help/warning-signs")
    sections = {
        heading.lower(): plain(f"{heading} {text}")
        for heading, text in re.findall(r"^## ([^\n]+)\n(.*?)(?=^## |\Z)", body, re.M | re.S)
    }
    psychosis = next(text for heading, text in sections.items() if "psycho" in heading)
    harm = next(text for heading, text in sections.items() if "baby" in heading)
    for text in (psychosis, harm):
        assert CALL_NOW[lang] in text
        assert "vandaag" not in text and "today" not in text
    assert "113" in harm and "112" in harm
    assert "huisartsenpost" in psychosis


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_verloskundige_is_the_first_call_for_her_body_in_the_kraamperiode(lang):
    for key in ("when-to-ask-for-help/warning-signs", "when-to-ask-for-help/who-to-call"):
        text = plain(lesson(lang, key))
        kraam = text[text.index("kraamperiode"):]
        assert kraam.index("verloskundige") < kraam.index("huisarts"), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_vitamin_d_sentence_says_only_what_domain_allows(lang):
    text = plain(lesson(lang, "nutrition/fibre-and-protein"))
    if lang == "nl":
        assert "in de zwangerschap is het advies 10 microgram vitamine d per dag" in text
        assert "vanaf de geboorte elke dag vitamine d-druppels" in text
        assert "voedingscentrum.nl" in text
        assert "10 microgram vitamine d extra" not in text
    else:
        assert "in pregnancy, 10 micrograms of vitamin d a day is advised" in text
        assert "vitamin d drops every day from birth" in text
        assert "voedingscentrum.nl" in text
        assert "extra 10 micrograms of vitamin d" not in text


HORMONE_FACTS = {
    "nl": ("oxytocine werkt cortisol tegen", "het ondersteunt ook uw slaap",
           "hormoon dat juist rust brengt"),
    "en": ("oxytocin counters cortisol", "it also supports your sleep",
           "a hormone that brings calm"),
}
HEDGES = {"nl": "onderzoek wijst erop", "en": "studies suggest"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_stress_lessons_say_hormone_effects_as_what_studies_suggest(lang):
    stress = {key: plain(text) for key, text in texts(lang).items()
              if key.startswith("stress-and-breathing/")}
    assert [(key, fact) for key, text in stress.items() for fact in HORMONE_FACTS[lang]
            if fact in text] == []
    counterweight = stress["stress-and-breathing/oxytocin-as-counterweight"]
    assert HEDGES[lang] in counterweight and "cortisol" in counterweight
