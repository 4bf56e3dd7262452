"""Each page carries only the stylesheet rules that can apply to it.

The inline stylesheet (portal/assets.py) holds every rule of every page: about 80 KB, 14 KB
compressed, so a page could never reach a phone in the first round trip of a new connection
(about 14 KB), and on slow 4G every extra round trip delays the first paint by 150 ms or more.
Lighthouse counted three quarters of it unused on any one page.

So each HTML response gets its own cut of the sheet, by PurgeCSS's rule (the tool that purges
Pico at build time, tools/purge-pico.sh), applied to the page as it is sent:

- a selector is kept when every element name, class, id and attribute (name and value) it
  needs appears as a word in the page, or in the strings of the portal's scripts, which add
  classes, attributes and elements later;
- pseudo-classes and what is inside ``:not()`` need nothing, so ``:hover``, ``:focus`` and
  ``:checked`` states stay; ``:is()`` and ``:where()`` need one of their selectors;
- a rule keeps its kept selectors; ``@media`` and ``@supports`` keep their kept rules;
  ``@keyframes`` stay when a kept rule names them;
- a custom property (``--pico-...``) stays when a kept rule, another kept property or the
  dark-mode sheet uses it.

A word that merely appears in her text keeps a few rules too many; it never drops one. The cut
for a set of words is built once and kept (a page's words are reduced to the ones that any
selector needs first, so most pages share a handful of cuts).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import tinycss2
from cssselect2 import parser as selectors

WORD = re.compile(r"[A-Za-z0-9_-]+")
VARIABLE_USE = re.compile(r"var\(\s*(--[A-Za-z0-9_-]+)")
# Functional pseudo-classes whose selectors must match (one of them) for the whole to match.
ANY_OF = (selectors.MatchesAnySelector, selectors.SpecificityAdjustmentSelector)
CUTS_KEPT = 512


@dataclass(frozen=True)
class Need:
    """What a page must contain for a selector to possibly match in it."""

    words: frozenset[str] = frozenset()
    # Each entry is a set of alternatives, one of which must be met (:is(), :where()).
    choices: tuple[tuple[Need, ...], ...] = ()

    def met(self, words: frozenset[str]) -> bool:
        return self.words <= words and all(
            any(option.met(words) for option in choice) for choice in self.choices
        )

    def all_words(self) -> set[str]:
        found = set(self.words)
        for choice in self.choices:
            for option in choice:
                found |= option.all_words()
        return found


def _join(needs: Iterable[Need]) -> Need:
    words: set[str] = set()
    choices: list[tuple[Need, ...]] = []
    for need in needs:
        words |= need.words
        choices.extend(need.choices)
    return Need(frozenset(words), tuple(choices))


def _words(text: str) -> frozenset[str]:
    return frozenset(WORD.findall(text.lower()))


# In a script, the words that can reach the page: its strings (class names, attribute names and
# values, element names) and the properties it sets (el.hidden = ..., details.open = ...); not
# its comments and variable names, which would keep rules for nothing.
SCRIPT_STRING = re.compile(r"""(["'`])((?:\\.|(?!\1).)*?)\1""", re.S)
SCRIPT_PROPERTY = re.compile(r"\.([A-Za-z]+)\s*=(?!=)")


def script_words(source: str) -> str:
    """Return the text of a script that may end up in a page, for PageStylesheet.parse."""
    strings = (text for _quote, text in SCRIPT_STRING.findall(source))
    return " ".join((*strings, *SCRIPT_PROPERTY.findall(source)))


def need_of(node) -> Need:  # noqa: PLR0911 (one answer per kind of selector)
    """Return what a parsed selector (cssselect2's tree) needs of a page."""
    if isinstance(node, selectors.Selector):
        return need_of(node.parsed_tree)
    if isinstance(node, selectors.CombinedSelector):
        return _join((need_of(node.left), need_of(node.right)))
    if isinstance(node, selectors.CompoundSelector):
        return _join(need_of(simple) for simple in node.simple_selectors)
    if isinstance(node, selectors.LocalNameSelector):
        return Need(frozenset({node.lower_local_name}))
    if isinstance(node, selectors.ClassSelector):
        return Need(frozenset({node.class_name.lower()}))
    if isinstance(node, selectors.IDSelector):
        return Need(frozenset({node.ident.lower()}))
    if isinstance(node, selectors.AttributeSelector):
        words = {node.lower_name}
        # Only a whole value (=, ~=, |=) must appear as words; a part of one (^=, $=, *=) may
        # be part of a longer word.
        if node.operator in ("=", "~=", "|=") and node.value:
            words |= _words(node.value)
        return Need(frozenset(words))
    if isinstance(node, ANY_OF):
        return Need(choices=(tuple(need_of(option) for option in node.selector_list),))
    # :not(), :has(), :hover, :nth-child() and the like: nothing a page must contain.
    return Need()


@dataclass
class Rule:
    """A style rule, ready to be written with any subset of its selectors."""

    selectors: list[tuple[str, Need]]
    declarations: list[tuple[str | None, str]]  # (custom property name or None, text)
    uses: list[set[str]]  # the custom properties each declaration uses


@dataclass
class Block:
    """An at-rule: @media and @supports hold rules; any other is kept as it is (or by name)."""

    prelude: str
    children: list = field(default_factory=list)
    text: str = ""  # @font-face, @keyframes and the like, whole
    keyframes: str | None = None


@dataclass
class PageStylesheet:
    """The parsed inline stylesheet, cut to measure for each page."""

    notice: str
    items: list
    vocabulary: frozenset[str]
    always: frozenset[str]  # words of the portal's scripts: classes they may add later
    outside_uses: frozenset[str]  # custom properties the dark-mode sheet uses

    @classmethod
    def parse(cls, css: str, script_text: str = "", dark_css: str = "") -> PageStylesheet:
        notice = ""
        if css.startswith("/*!"):
            end = css.index("*/") + 2
            notice, css = css[:end], css[end:]
        items = _items(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
        vocabulary: set[str] = set()
        for rule in _rules(items):
            for _text, need in rule.selectors:
                vocabulary |= need.all_words()
        sheet = cls(
            notice=notice,
            items=items,
            vocabulary=frozenset(vocabulary),
            always=_words(script_text) & frozenset(vocabulary),
            outside_uses=frozenset(VARIABLE_USE.findall(dark_css)),
        )
        sheet._cut = lru_cache(maxsize=CUTS_KEPT)(sheet._cut_for)
        return sheet

    def for_page(self, html: str) -> tuple[str, str]:
        """Return the rules this page can use and their CSP source ('sha256-...')."""
        return self._cut((_words(html) & self.vocabulary) | self.always)

    def _cut_for(self, words: frozenset[str]) -> tuple[str, str]:
        chosen = _choose(self.items, words)
        used = _used_properties(chosen, self.outside_uses)
        css = self.notice + "".join(_write(chosen, used))
        digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
        return css, f"'sha256-{digest}'"


def _items(nodes) -> list:
    items: list = []
    for node in nodes:
        if node.type == "qualified-rule":
            items.append(_rule(node))
        elif node.type == "at-rule":
            prelude = tinycss2.serialize(node.prelude).strip()
            keyword = node.lower_at_keyword
            if keyword in ("media", "supports") and node.content is not None:
                children = _items(
                    tinycss2.parse_rule_list(node.content, skip_comments=True,
                                             skip_whitespace=True)
                )
                items.append(Block(f"@{node.at_keyword} {prelude}", children))
            else:
                items.append(Block(prelude, text=tinycss2.serialize([node]),
                                   keyframes=prelude if keyword.endswith("keyframes") else None))
    return items


def _rule(node) -> Rule:
    kept: list[tuple[str, Need]] = []
    part: list = []
    for token in [*node.prelude, None]:
        if token is None or (token.type == "literal" and token.value == ","):
            text = tinycss2.serialize(part).strip()
            part = []
            if not text:
                continue
            try:
                parsed = selectors.parse(text)
                need = _join(need_of(selector) for selector in parsed)
            except selectors.SelectorError:
                need = Need()  # a selector we cannot read is kept, never dropped
            kept.append((text, need))
        else:
            part.append(token)
    declarations: list[tuple[str | None, str]] = []
    uses: list[set[str]] = []
    for item in tinycss2.parse_blocks_contents(node.content, skip_comments=True,
                                               skip_whitespace=True):
        if item.type != "declaration":
            continue
        value = tinycss2.serialize(item.value).strip()
        text = f"{item.name}:{value}{'!important' if item.important else ''}"
        declarations.append((item.name if item.name.startswith("--") else None, text))
        uses.append(set(VARIABLE_USE.findall(value)))
    return Rule(kept, declarations, uses)


def _rules(items: list) -> Iterable[Rule]:
    for item in items:
        if isinstance(item, Rule):
            yield item
        else:
            yield from _rules(item.children)


@dataclass
class KeptRule:
    selectors: list[str]
    rule: Rule


@dataclass
class KeptBlock:
    block: Block
    children: list | None  # None: an at-rule kept whole (@font-face, @keyframes)


def _choose(items: list, words: frozenset[str]) -> list:
    """Return the items, with each rule cut to its selectors this page may match."""
    chosen: list = []
    for item in items:
        if isinstance(item, Rule):
            kept = [text for text, need in item.selectors if need.met(words)]
            if kept:
                chosen.append(KeptRule(kept, item))
        elif item.children:
            children = _choose(item.children, words)
            if children:
                chosen.append(KeptBlock(item, children))
        else:
            chosen.append(KeptBlock(item, None))
    return chosen


def _kept_rules(chosen: list) -> Iterable[Rule]:
    for entry in chosen:
        if isinstance(entry, KeptRule):
            yield entry.rule
        elif entry.children is not None:
            yield from _kept_rules(entry.children)


def _used_properties(chosen: list, outside: frozenset[str]) -> set[str]:
    """Every custom property a chosen rule uses, directly or through another property."""
    defines: dict[str, set[str]] = {}
    used = set(outside)
    for rule in _kept_rules(chosen):
        for (custom, _text), uses in zip(rule.declarations, rule.uses, strict=True):
            if custom:
                defines.setdefault(custom, set()).update(uses)
            else:
                used.update(uses)
    pending = list(used)
    while pending:
        for name in defines.get(pending.pop(), ()):
            if name not in used:
                used.add(name)
                pending.append(name)
    return used


def _write(chosen: list, used: set[str], animations: set[str] | None = None) -> Iterable[str]:
    if animations is None:
        animations = {
            word
            for rule in _kept_rules(chosen)
            for _custom, text in rule.declarations
            if text.startswith(("animation", "-webkit-animation"))
            for word in _words(text.partition(":")[2])
        }
    for entry in chosen:
        if isinstance(entry, KeptRule):
            body = ";".join(
                text for custom, text in entry.rule.declarations if custom is None or custom in used
            )
            if body:
                yield ",".join(entry.selectors) + "{" + body + "}"
        elif entry.children is not None:
            inner = "".join(_write(entry.children, used, animations))
            if inner:
                yield entry.block.prelude + "{" + inner + "}"
        elif entry.block.keyframes is None or entry.block.keyframes.lower() in animations:
            yield entry.block.text
