"""A page's cut of the inline stylesheet keeps every rule it can use (portal/page_css.py)."""

import re

import pytest

from portal.page_css import PageStylesheet, script_words

SHEET = (
    "/*! Pico notice */"
    ":root{--gap:1rem;--unused:2px;--accent:var(--blue);--blue:#00f}"
    "body{margin:0}"
    ".card{padding:var(--gap)}"
    ".card:hover,.card:focus-visible{color:var(--accent)}"
    ".modal{display:none}"
    "button.secondary,.dropdown>li{color:red}"
    "[type=checkbox]:checked{accent-color:green}"
    ":where(input,select):not(.plain){border:1px solid}"
    "nav :is(.menu,.tabs) a{text-decoration:none}"
    "@media (min-width:768px){.card{padding:2rem}.modal{width:50%}}"
    "@keyframes spin{to{transform:rotate(1turn)}}"
    "@keyframes fade{to{opacity:0}}"
    ".busy{animation:spin 1s linear infinite}"
    "a[href^=tel]{white-space:nowrap}"
)


def cut(page: str, scripts: str = "", dark: str = "") -> str:
    return PageStylesheet.parse(SHEET, scripts, dark).for_page(page)[0]


def test_a_page_gets_the_rules_its_elements_classes_and_attributes_name():
    css = cut('<body><div class="card"><input type="checkbox"></div></body>')
    assert "body{margin:0}" in css
    assert ".card{padding:var(--gap)}" in css
    assert "[type=checkbox]:checked{accent-color:green}" in css
    assert ":where(input,select):not(.plain){border:1px solid}" in css
    assert ".modal" not in css and "button.secondary" not in css


def test_states_stay_with_their_element():
    # :hover and :focus-visible need nothing the page does not already have.
    assert ".card:hover,.card:focus-visible{" in cut('<p class="card">')


def test_a_selector_list_keeps_only_the_selectors_that_can_match():
    css = cut('<button class="secondary">')
    assert "button.secondary{color:red}" in css and ".dropdown" not in css


def test_is_and_where_need_one_of_their_selectors():
    assert "nav :is(.menu,.tabs) a" in cut('<nav><ul class="tabs"><a href="/">')
    assert "nav :is(.menu,.tabs) a" not in cut('<nav><ul class="other"><a href="/">')


def test_media_blocks_keep_their_used_rules_only():
    css = cut('<p class="card">')
    assert "@media (min-width:768px){.card{padding:2rem}}" in css


def test_custom_properties_stay_when_used_directly_or_through_another():
    css = cut('<p class="card">')
    assert "--gap:1rem" in css and "--accent:var(--blue)" in css and "--blue:#00f" in css
    assert "--unused" not in css


def test_properties_the_dark_sheet_uses_stay():
    assert "--unused:2px" in cut("<p>", dark="p{color:var(--unused)}")


def test_keyframes_stay_only_with_an_animation_that_names_them():
    css = cut('<p class="busy">')
    assert "@keyframes spin" in css and "@keyframes fade" not in css
    assert "@keyframes" not in cut("<p>")


def test_classes_a_script_adds_later_keep_their_rules_on_every_page():
    assert ".modal{display:none}" in cut("<p>", scripts='el.classList.add("modal")')


def test_attribute_values_are_needed_whole_only_for_exact_matches():
    # ^= matches the start of a value: "tel" need not be a word of its own.
    assert "a[href^=tel]" in cut('<a href="tel:+31201234567">')


def test_the_licence_notice_leads_every_cut():
    assert cut("<p>").startswith("/*! Pico notice */")


def test_the_csp_source_is_the_hash_of_the_cut_and_cuts_are_reused():
    sheet = PageStylesheet.parse(SHEET)
    css, source = sheet.for_page('<p class="card">')
    assert re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", source)
    assert sheet.for_page('<p class="card">x</p>') is sheet.for_page('<p class="card">')


@pytest.mark.parametrize("selector", ["p:nth-child(2n+1)", "::selection", "p::before"])
def test_selectors_of_every_shape_parse(selector):
    sheet = PageStylesheet.parse(f"{selector}{{color:red}}")
    assert "color:red" in sheet.for_page("<p>")[0]


def test_a_script_counts_with_its_strings_and_the_properties_it_sets_not_its_comments():
    source = (
        "// keeps the table of days tidy\n"
        'menu.classList.add("open"); panel.hidden = true; if (a.b == c) {}\n'
        "pacer.setAttribute('data-phase', `done`);"
    )
    words = script_words(source).split()
    assert {"open", "hidden", "data-phase", "done"} <= set(words)
    assert "table" not in words and "b" not in words
