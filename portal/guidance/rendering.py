"""Lesson Markdown to safe HTML: markdown-it-py parses, nh3 sanitises with an allow-list.

Lessons link to each other as ``[text](lesson:<module>/<lesson>)`` and
``[text](module:<slug>)``; those links are rewritten to portal URLs before
sanitising, because the sanitiser allows only http, https, mailto, tel and
relative URLs. A paragraph holding only ``[[breathing-pacer]]`` becomes the
breathing pacer component, inserted after sanitising so that its buttons and
data attributes (which lesson text itself may never contain) survive.

No Flask here: the caller passes the link resolver and the pacer HTML.
"""

from __future__ import annotations

import importlib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

PACER_MARKER = "[[breathing-pacer]]"
INTERNAL_SCHEMES = ("lesson", "module")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
# These go with everything inside them; other unknown tags are dropped but keep their text.
CONTENT_STRIPPED_TAGS = {"script", "style", "iframe", "object", "embed", "template", "noscript"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    clean_content_tags=CONTENT_STRIPPED_TAGS,
    link_rel="noopener noreferrer",
    strip_comments=True,
)
# markdown-it-py fills each short table row with empty cells, up to 65,536 per table, so a
# 1,500-character text became a table of 65,000 cells (seconds to parse), and a lesson could
# hold many such tables. Real lesson tables fill their rows; after this many filled-in cells a
# table ends and its remaining lines read as text, which keeps tables no slower per character
# than any other Markdown. (A module constant of the library, read at every table; the package
# exports the rule function under the module's name, hence the import by path. The test
# tests/test_bounded_input.py notices if the constant moves.)
MAX_FILLED_TABLE_CELLS = 32
importlib.import_module("markdown_it.rules_block.table").MAX_AUTOCOMPLETED_CELLS = (
    MAX_FILLED_TABLE_CELLS
)
# Raw HTML is parsed (and then sanitised) so a practice's harmless <abbr> keeps working.
_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_PACER_PARAGRAPH = re.compile(r"<p>\s*" + re.escape(PACER_MARKER) + r"\s*</p>")

LinkResolver = Callable[[str, str], str | None]
PacerRenderer = Callable[[int], str]


@dataclass(frozen=True)
class InternalLink:
    """A lesson: or module: link found in a lesson text."""

    kind: str
    target: str
    text: str


def _split_internal(href: str) -> tuple[str, str] | None:
    scheme, sep, target = href.partition(":")
    if sep and scheme in INTERNAL_SCHEMES:
        return scheme, target
    return None


def _inline_links(tokens: list[Token]) -> Iterator[tuple[Token, list[Token]]]:
    """Yield each inline token that has children, with those children."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        yield token, token.children


def internal_links(source: str) -> list[InternalLink]:
    """List the lesson: and module: links in a Markdown text, in order."""
    return _internal_links_in(_markdown.parse(source or ""))


def _internal_links_in(tokens: list[Token]) -> list[InternalLink]:
    found = []
    for _inline, children in _inline_links(tokens):
        text, link = "", None
        for child in children:
            if child.type == "link_open":
                link = _split_internal(str(child.attrGet("href") or ""))
                text = ""
            elif child.type == "link_close" and link is not None:
                found.append(InternalLink(link[0], link[1], text))
                link = None
            elif link is not None:
                text += child.content
    return found


def _rewrite_links(tokens: list[Token], resolve_link: LinkResolver | None) -> None:
    """Point internal links at portal URLs; unresolvable ones become plain text."""
    for inline, children in _inline_links(tokens):
        kept: list[Token] = []
        dropping_close = False
        for child in children:
            if child.type == "link_open":
                parsed = _split_internal(str(child.attrGet("href") or ""))
                if parsed is not None:
                    url = resolve_link(*parsed) if resolve_link else None
                    if url is None:
                        # Links cannot nest, so the next link_close closes this one.
                        dropping_close = True
                        continue
                    child.attrSet("href", url)
            elif child.type == "link_close" and dropping_close:
                dropping_close = False
                continue
            kept.append(child)
        inline.children = kept


def _demote_top_headings(tokens: list[Token]) -> None:
    """Turn '# ' headings into h2: the page title is the only h1."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"


def sanitise(html: str) -> str:
    """Clean an HTML fragment with the lesson allow-list."""
    return _cleaner.clean(html)


def render_markdown(
    source: str,
    *,
    resolve_link: LinkResolver | None = None,
    pacer: PacerRenderer | None = None,
) -> Markup:
    """Render lesson Markdown to sanitised HTML, with internal links and the pacer in place."""
    return render_with_links(source, resolve_link=resolve_link, pacer=pacer)[0]


def render_with_links(
    source: str,
    *,
    resolve_link: LinkResolver | None = None,
    pacer: PacerRenderer | None = None,
) -> tuple[Markup, list[InternalLink]]:
    """Render lesson Markdown and list its internal links from one parse (the editor's preview)."""
    tokens = _markdown.parse(source or "")
    links = _internal_links_in(tokens)
    _rewrite_links(tokens, resolve_link)
    _demote_top_headings(tokens)
    html = sanitise(_markdown.renderer.render(tokens, _markdown.options, {}))
    if pacer is not None:
        counter = itertools.count(1)
        html = _PACER_PARAGRAPH.sub(lambda _match: pacer(next(counter)), html)
    return Markup(html), links
