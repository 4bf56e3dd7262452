"""Static assets as a phone on a slow line should get them.

- Fingerprinted names: ``url_for('static', filename='js/nav.js')`` returns
  ``/static/js/nav.<hash>.js``, where the hash is taken from the file's bytes, so templates keep
  naming files plainly. A fingerprinted address never changes its content, so it is served with
  ``Cache-Control: public, max-age=31536000, immutable`` and a repeat visit asks for nothing.
  The plain name still works (the service worker's precache list uses it), without that header.
- One inline stylesheet: the purged Pico and the portal's own stylesheets, minified once per
  process (rcssmin) and written into every page's ``<style>``, so no stylesheet blocks the
  first paint. As a page is sent it is cut to the rules that page can use
  (portal/page_css.py), and the cut's SHA-256 goes into its Content Security Policy (no
  ``unsafe-inline``).
- The dark-mode rules (every ``@media (prefers-color-scheme: dark)`` block, Pico's 6 KB of them
  first) are left out of it and served as ``css/dark.css``, linked with that media query: a
  phone in light mode does not wait for it, and the inline sheet, which must arrive in the first
  round trip of a new connection (about 14 KB), is 1.5 KB (compressed) smaller.

Compression (brotli, gzip) of pages and files is Flask-Compress's, set up here too.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import rcssmin
from flask import Flask, Response, current_app, send_from_directory
from markupsafe import Markup

from portal.extensions import compress
from portal.page_css import PageStylesheet, script_words

YEAR_SECONDS = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR_SECONDS}, immutable"
# The order matters: each sheet may refine the one before it.
INLINE_STYLESHEETS = (
    "vendor/pico/pico.purged.min.css",
    "css/portal.css",
    "css/checkins.css",
    "css/guidance.css",
    "css/practice.css",
    "css/reports.css",
    "css/privacy.css",
    "css/messages.css",
    "css/appointments.css",
)
# Marks the page as scripted before its first paint (nav.js, deferred, does it again later), so
# the phone menu is folded from the start instead of jumping shut: allowed by its hash.
JS_MARKER = 'document.documentElement.classList.add("js")'
# The scripts pages load: the classes and attributes they add later keep their rules in every
# page's cut of the stylesheet (the service worker touches no page).
PAGE_SCRIPTS = ("js/drafts.js", "js/nav.js", "js/breathing-pacer.js")
HASH_LENGTH = 12
DARK_STYLESHEET = "css/dark.css"  # built from the inline sheets' dark-mode blocks, not a file
DARK_MEDIA = re.compile(r"@media\s+(?:only\s+screen\s+and\s+)?\(prefers-color-scheme:\s*dark\)\s*{")
ATTRIBUTE_QUOTES = re.compile(r'\[([\w-]+)([~|^$*]?=)"([A-Za-z_][\w-]*)"\]')
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
]


@dataclass
class Assets:
    """The fingerprints of the static folder and the inline stylesheet, built once per app."""

    folder: Path
    fingerprinted: dict[str, str] = field(default_factory=dict)  # plain name -> hashed name
    plain: dict[str, str] = field(default_factory=dict)  # hashed name -> plain name
    inline_css: str = ""
    dark_css: str = ""
    style_source: str = ""  # for the CSP: 'sha256-...'
    script_source: str = field(default_factory=lambda: _csp_hash(JS_MARKER))

    @classmethod
    def build(cls, folder: Path) -> Assets:
        """Fingerprint every file under the static folder and build the inline stylesheet."""
        assets = cls(folder)
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            name = path.relative_to(folder).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
            hashed = f"{name[: -len(path.suffix)]}.{digest}{path.suffix}" if path.suffix else name
            assets.fingerprinted[name] = hashed
            assets.plain[hashed] = name
        parts = [
            _split_dark((folder / name).read_text(encoding="utf-8")) for name in INLINE_STYLESHEETS
        ]
        light = [rules for rules, _dark in parts]
        dark = [rules for _light, rules in parts]
        css = "\n".join(light)
        # Every dark block in the sheets' own order; each one's rules win over the light ones
        # by their :root:not([data-theme]) or by coming after them, as they did inline.
        assets.dark_css = rcssmin.cssmin(
            "@media (prefers-color-scheme: dark){" + "\n".join(dark) + "}"
        )
        digest = hashlib.sha256(assets.dark_css.encode("utf-8")).hexdigest()[:HASH_LENGTH]
        hashed = f"css/dark.{digest}.css"
        assets.fingerprinted[DARK_STYLESHEET] = hashed
        assets.plain[hashed] = DARK_STYLESHEET
        # A @charset in the middle of a <style> is invalid CSS; the page is UTF-8 anyway.
        css = re.sub(r'@charset\s+"[^"]*";', "", css)
        # [rel=next] rather than [rel="next"]: the same selector, and a page's text then holds
        # no attribute (rel="next") that only its stylesheet names.
        css = ATTRIBUTE_QUOTES.sub(r"[\1\2\3]", css)
        assets.inline_css = rcssmin.cssmin(css, keep_bang_comments=True)  # Pico's MIT notice
        assets.style_source = _csp_hash(assets.inline_css)
        return assets


def _split_dark(css: str) -> tuple[str, str]:
    """Split a stylesheet into its rules and the insides of its dark-mode media blocks."""
    light, dark, position = [], [], 0
    for match in DARK_MEDIA.finditer(css):
        if match.start() < position:
            continue
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        light.append(css[position : match.start()])
        dark.append(css[match.end() : end - 1])
        position = end
    light.append(css[position:])
    return "".join(light), "\n".join(dark)


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def init_app(app: Flask) -> None:
    """Build the assets, fingerprint static URLs, serve them cached, compress responses."""
    assets = Assets.build(Path(app.static_folder))
    app.extensions["assets"] = assets
    app.url_defaults(_fingerprint_static_url)
    app.view_functions["static"] = serve_static
    app.jinja_env.globals["inline_css"] = lambda: Markup(assets.inline_css)
    app.jinja_env.globals["js_marker"] = Markup(JS_MARKER)
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br"])
    # Brotli 5: a page (most of it the inline stylesheet) fits the first round trip of a new
    # connection (about 14 KB) in about 2 ms; 4 sends 1.5 KB more, 6 and above cost more time.
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    compress.init_app(app)
    app.extensions["page_css"] = _page_stylesheet(
        assets.inline_css,
        "\n".join(
            script_words((assets.folder / name).read_text(encoding="utf-8"))
            for name in PAGE_SCRIPTS
        ),
        assets.dark_css,
    )
    # Registered after Flask-Compress, so they run before it (and after the security headers).
    app.after_request(compress_every_page)
    app.after_request(cut_inline_stylesheet)


# Parsed once per process, however many apps (the tests build many) share the same sheet.
_page_stylesheet = lru_cache(maxsize=2)(PageStylesheet.parse)


def compress_every_page(response: Response) -> Response:
    """Compress a page with an error status too: her form with a mistake (422), a day saved
    elsewhere meanwhile (409), a page not found. Flask-Compress compresses 2xx only; it is
    asked here as if the page were a 200, and then passes it by (it is encoded already)."""
    if response.status_code < 300 or response.mimetype != "text/html":
        return response
    status = response.status
    response.status_code = 200
    response = compress.after_request(response)
    response.status = status
    return response


def cut_inline_stylesheet(response: Response) -> Response:
    """Send a page only the rules of the inline stylesheet it can use, allowed by their hash."""
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return response
    assets = current_app.extensions["assets"]
    page = response.get_data(as_text=True)
    whole = f"<style>{assets.inline_css}</style>"
    start = page.find(whole)
    if start < 0:
        return response
    before, after = page[:start], page[start + len(whole) :]
    css, source = current_app.extensions["page_css"].for_page(before + after)
    response.set_data(f"{before}<style>{css}</style>{after}")
    policy = response.headers.get("Content-Security-Policy")
    if policy:
        response.headers["Content-Security-Policy"] = policy.replace(assets.style_source, source)
    return response


def csp_sources(app: Flask) -> dict[str, str]:
    """Return the CSP hashes that allow the inline stylesheet and marker, nothing else inline."""
    assets = app.extensions["assets"]
    return {"style-src": assets.style_source, "script-src": assets.script_source}


def _fingerprint_static_url(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values:
        hashed = current_app.extensions["assets"].fingerprinted.get(values["filename"])
        if hashed:
            values["filename"] = hashed


def serve_static(filename: str):
    """Serve a static file; under its fingerprinted name, cached for a year as immutable."""
    assets = current_app.extensions["assets"]
    plain = assets.plain.get(filename)
    if DARK_STYLESHEET in (plain, filename):
        response = current_app.response_class(assets.dark_css, mimetype="text/css")
        if plain:
            response.headers["Cache-Control"] = IMMUTABLE
        return response
    if plain is None:
        return send_from_directory(assets.folder, filename)
    response = send_from_directory(assets.folder, plain, max_age=YEAR_SECONDS, etag=True)
    response.headers["Cache-Control"] = IMMUTABLE
    # Read small files whole, so Flask-Compress may gzip them as well as brotli them.
    response.direct_passthrough = False
    response.make_sequence()
    return response


def collect(assets: Assets, target: Path) -> int:
    """Write every static file under its plain and its fingerprinted name, with a .gz beside it.

    nginx serves this folder (deploy/nginx/portal.conf): a fingerprinted name that does not
    exist there is not found, exactly as in Flask. Returns the number of files written.
    """
    written = 0
    for plain, hashed in assets.fingerprinted.items():
        if plain == DARK_STYLESHEET:
            data = assets.dark_css.encode("utf-8")
        else:
            data = (assets.folder / plain).read_bytes()
        for name in {plain, hashed}:
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written += 1
            if mimetypes.guess_type(name)[0] in COMPRESSED_TYPES or name.endswith(".webmanifest"):
                path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, 9, mtime=0))
    return written


STATIC_LITERAL = re.compile(r'"/static/([^"?#]+)"')


def fingerprint_literals(source: str) -> str:
    """Replace each "/static/<file>" string in a script with the file's fingerprinted URL.

    The service worker keeps what the help page needs offline under the names pages use.
    """
    fingerprinted = current_app.extensions["assets"].fingerprinted

    def swap(match: re.Match) -> str:
        hashed = fingerprinted.get(match.group(1))
        return f'"/static/{hashed}"' if hashed else match.group(0)

    return STATIC_LITERAL.sub(swap, source)
