"""Render a progress summary as an A4 PDF with WeasyPrint, fetching nothing but our own files.

The print stylesheet and the font configuration are static assets, built once per process on
first use and reused by every render (WeasyPrint's own advice for speed). The image cache is
not shared: its entries would be the charts of one client's data.
"""

from __future__ import annotations

import mimetypes
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app, render_template
from flask_babel import force_locale
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from portal.dates import local_today
from portal.reports import insight_cache
from portal.reports.insight_lines import insight_charts
from portal.reports.referral import front_charts
from portal.reports.summary import ProgressSummary, insight_key, summary_charts

PRINT_STYLESHEET = Path("css") / "print.css"
FILENAME_PREFIXES = {"nl": "voortgang", "en": "progress"}
REFERRAL_FILENAME_PREFIXES = {"nl": "overdracht", "en": "referral"}
# Letters that Unicode does not split into a base letter and a mark, so NFKD keeps them.
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "TH",
    }
)
# A run of this many characters without a space gets a zero-width break opportunity after it:
# WeasyPrint's line breaking is quadratic in the length of an unbroken word.
SOFT_WRAP_EVERY = 30
_LONG_RUN = re.compile(rf"\S{{{SOFT_WRAP_EVERY}}}(?=\S)")
ZERO_WIDTH_SPACE = "\u200b"

# Renders in one process share the font configuration; pango and fontconfig are not
# documented as thread-safe, and layout holds the GIL anyway, so threads take turns.
_render_lock = threading.Lock()


class ForbiddenURL(ValueError):
    """A URL the PDF renderer refuses to fetch."""


class StaticOnlyFetcher(URLFetcher):
    """Fetch files inside the static folder and ``data:`` URLs; refuse everything else.

    No network (http, https, ftp, ...), no ``file://`` outside the static folder (``..``,
    symlinks and percent-escapes are resolved before the check), no redirects.
    """

    def __init__(self, static_folder: str | Path) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.root = Path(static_folder).resolve()

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        """Return the resource at a permitted URL, or raise ForbiddenURL."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            # urllib's data: handler decodes it; no other handler is reachable from here.
            return super().fetch(url, headers)
        if scheme == "file":
            path = self.static_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
            )
        raise ForbiddenURL(f"not fetched: {url[:100]!r} (only static files and data: URLs)")

    def static_path(self, url: str) -> Path:
        """Return the file a ``file:`` URL names if it lies inside the static folder."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ForbiddenURL(f"not a local file URL: {url[:100]!r}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ForbiddenURL(f"outside the static folder or missing: {url[:100]!r}")
        return path


@dataclass(frozen=True)
class PrintAssets:
    """What every render reuses: the fetcher, the font configuration, the parsed stylesheet."""

    fetcher: StaticOnlyFetcher
    font_config: FontConfiguration
    stylesheet: CSS
    base_url: str


@lru_cache(maxsize=4)
def print_assets(static_folder: str) -> PrintAssets:
    """Build the static print assets once per process and static folder."""
    fetcher = StaticOnlyFetcher(static_folder)
    font_config = FontConfiguration()
    stylesheet = CSS(
        filename=str(fetcher.root / PRINT_STYLESHEET),
        url_fetcher=fetcher,
        font_config=font_config,
    )
    return PrintAssets(fetcher, font_config, stylesheet, fetcher.root.as_uri() + "/")


def soft_wrap(text: str) -> str:
    """Add invisible break opportunities to very long words so that layout stays fast."""
    return _LONG_RUN.sub(lambda match: match.group(0) + ZERO_WIDTH_SPACE, text)


def render_summary_html(summary: ProgressSummary) -> str:
    """Render the print HTML of a summary in its own language (needs a request context)."""
    # The referral audience has its own template: risk first, third person, only what she
    # consented to share.
    template = "reports/referral_pdf.html" if summary.is_referral_version else "reports/pdf.html"
    # The charts change only with her check-ins: kept for the day until her next save.
    key = f"{summary.audience} {insight_key(summary.period, summary.locale)}"
    today = local_today()
    with force_locale(summary.locale):
        return render_template(
            template,
            summary=summary,
            charts=insight_cache.charts(
                summary.client_id, today, f"pdf {key}", lambda: summary_charts(summary)
            ),
            front_charts=front_charts(summary),
            insight_charts=insight_cache.charts(
                summary.client_id, today, f"560 {key}",
                lambda: insight_charts(summary.insights, summary.locale, width=560),
            ),
            soft_wrap=soft_wrap,
        )


def html_to_pdf(html: str, static_folder: str | None = None) -> bytes:
    """Lay out print HTML as a tagged A4 PDF with the shipped fonts and print stylesheet."""
    assets = print_assets(str(static_folder or current_app.static_folder))
    document = HTML(string=html, base_url=assets.base_url, url_fetcher=assets.fetcher)
    with _render_lock:
        return document.write_pdf(
            stylesheets=[assets.stylesheet],
            font_config=assets.font_config,
            pdf_tags=True,
        )


def render_pdf(summary: ProgressSummary) -> bytes:
    """Render a summary as PDF bytes."""
    return html_to_pdf(render_summary_html(summary))


def name_slug(name: str) -> str:
    """Turn a name into a short ASCII slug: diacritics dropped, anything else a hyphen."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LETTERS_WITHOUT_DECOMPOSITION))
    ascii_name = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    return slug[:60].rstrip("-") or "client"


def download_filename(summary: ProgressSummary) -> str:
    """Return the PDF's file name, e.g. ``voortgang-eva-de-boer-2026-10-01-2026-10-30.pdf``."""
    # Fixed words rather than translations: a file name must stay ASCII and predictable.
    prefixes = REFERRAL_FILENAME_PREFIXES if summary.is_referral_version else FILENAME_PREFIXES
    prefix = prefixes.get(summary.locale.split("_")[0], prefixes["en"])
    period = summary.period
    return f"{prefix}-{name_slug(summary.client_name)}-{period.start}-{period.end}.pdf"
