"""The PDF summary, rendered for real by WeasyPrint and read back with pypdf."""

import html
import io
import logging
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pypdf
import pytest
from flask_babel import force_locale, gettext

from portal.dates import local_today
from portal.extensions import db
from portal.reports.pdf import (
    ForbiddenURL,
    StaticOnlyFetcher,
    html_to_pdf,
    render_pdf,
    render_summary_html,
)
from portal.reports.summary import build_summary
from tests.conftest import login
from tests.test_reports_factory import (
    FullClient,
    add_checkin,
    add_note,
    add_response,
    fill_client,
)

ROW_RE = re.compile(
    r'<tr data-average="(?P<key>\w+)">\s*<th scope="row">(?P<label>[^<]*)'
    r'<span class="hint">(?P<hint>[^<]*)</span></th>\s*'
    r'<td class="number" data-value>(?P<value>[^<]*)</td>\s*'
    r'<td class="number" data-previous>(?P<previous>[^<]*)</td>\s*'
    r"<td data-change>(?P<change>[^<]*)</td>"
)


def pdf_pages(data: bytes) -> list[str]:
    """Return the text of each page."""
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def squeeze(text: str) -> str:
    """Drop whitespace and zero-width spaces, to find text however lines were broken."""
    return re.sub(r"[\s\u200b]+", "", text)


@pytest.fixture
def full(make):
    return fill_client(make, days=30, name="Zoë Ünal-de Vries")


def make_pdf(app, made, audience="client", locale="en", days=30):
    summary = build_summary(
        made.client,
        made.today - timedelta(days=days - 1),
        made.today,
        audience=audience,
        locale=locale,
    )
    with app.test_request_context():
        return summary, render_pdf(summary)


def test_the_client_pdf_holds_her_summary_and_page_numbers(app, full):
    summary, data = make_pdf(app, full)
    pages = pdf_pages(data)
    text = "\n".join(pages)

    assert "Zoë Ünal-de Vries" in text
    assert summary.period_text in text
    assert f"{summary.days_logged} of 30" in text
    for average in summary.averages:
        shown = (average.value_text, average.previous_text, average.change_text)
        assert f"{' '.join(shown)} {average.change_words}" in text, average.key
    assert summary.questionnaires
    for result in summary.questionnaires:
        line = f"{result.short_name}, {result.submitted_text}: {result.total} of {result.max_total}"
        assert f"{line} · {result.band_label}" in text
    for result in summary.latest_results():
        assert squeeze(result.band_meaning) in squeeze(text)
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
    assert "Confidential" in pages[0] and summary.made_text in pages[-1]
    assert "Shared: keep up the evening walks." in text
    assert "Private: ask about support at home." not in text
    assert "Called her" not in text  # acknowledgement notes are flag detail
    assert "signals were discussed with your practitioner" in text
    assert "Cox JL, Holden JM, Sagovsky R" in text  # the citation
    # The licence note speaks to the practice (data files, validation): staff only.
    assert "licensed-example.json" not in squeeze(text)
    assert "Royal College of Psychiatrists" not in text


def test_the_practitioner_pdf_adds_private_notes_and_flag_detail(app, full):
    _summary, data = make_pdf(app, full, audience="practitioner")
    text = "\n".join(pdf_pages(data))
    assert "Private: ask about support at home." in text
    assert "Royal College of Psychiatrists" in text  # the licence note, for staff
    assert "Shared: keep up the evening walks." in text
    assert "Called her; she is seeing her GP." in text
    assert "mood ≤ 2 on 3 of 5 days" in text
    assert "Practitioner's version" in text
    assert "EPDS-3A" in text or "3A" in text


def test_dutch_pdf_in_dutch_numbers_and_footer(app, full):
    summary, data = make_pdf(app, full, locale="nl")
    pages = pdf_pages(data)
    text = "\n".join(pages)
    assert summary.average("mood").value_text in text and "," in summary.average("mood").value_text
    months = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november"
    assert summary.period_text in " ".join(text.split())  # the line may wrap
    assert re.search(rf"\d+ ({months}|december) 20\d\d", text)
    with app.app_context(), force_locale("nl"):
        first_page = gettext("page %(page)s of %(pages)s", page=1, pages=len(pages))
    assert first_page in pages[0]
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "nl"


def test_the_pdf_is_tagged_a4_and_uses_the_shipped_font(app, full):
    _summary, data = make_pdf(app, full, days=7)
    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    width, height = (float(value) for value in reader.pages[0].mediabox[2:])
    assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)
    fonts = {
        font.get_object()["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVu" in name for name in fonts)
    assert reader.metadata.title.startswith("Progress summary: Zoë Ünal-de Vries")


def test_an_empty_period_says_so_in_words(app, make):
    mother = make.client(practitioner=make.practitioner(), name="Lotte Bakker")
    made = type("Made", (), {"client": mother, "today": make_today(mother)})
    summary, data = make_pdf(app, made, days=7)
    assert summary.is_empty
    text = "\n".join(pdf_pages(data))
    assert "No check-ins were logged in this period" in text
    assert "Nothing was logged in this period yet." in text
    assert "0 of 7" in text


def test_one_logged_day_is_too_little_for_charts(app, make):
    mother = make.client(practitioner=make.practitioner())
    today = make_today(mother)
    add_checkin(mother, today, mood=4, sleep_hours=7)
    db.session.commit()
    made = type("Made", (), {"client": mother, "today": today})
    summary, data = make_pdf(app, made, days=7)
    assert summary.is_sparse
    with app.test_request_context():
        assert "data:image/svg+xml" not in render_summary_html(summary)
    assert "too little to draw a chart" in "\n".join(pdf_pages(data))


def make_today(client):
    from portal.dates import local_today

    return local_today(client.timezone)


HOSTILE = [
    "<b>bold</b>",
    "<img src=file:///etc/passwd>",
    "<link href=http://example.com/x.css>",
    "<script>alert(1)</script>",
]


def test_hostile_note_text_is_printed_as_text(app, make, caplog):
    practitioner = make.practitioner()
    mother = make.client(practitioner=practitioner, name="<i>Eva</i> & co")
    today = make_today(mother)
    long_word = "abc1" * 2500
    add_note(mother, practitioner, "\n".join(HOSTILE), today, shared=True)
    add_note(mother, practitioner, long_word, today, shared=True)
    db.session.commit()
    summary = build_summary(mother, today - timedelta(days=6), today, locale="en")

    with app.test_request_context():
        markup = render_summary_html(summary)
    for text in HOSTILE:
        assert text not in markup and html.escape(text, quote=False) in markup
    assert "&lt;i&gt;Eva&lt;/i&gt; &amp; co" in markup

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        data = html_to_pdf(markup, app.static_folder)
    text = "\n".join(pdf_pages(data))
    for hostile in HOSTILE:
        assert hostile in text
    assert "<i>Eva</i> & co" in text
    # The word runs over pages: read it without the running footers in between.
    bodies = [re.split(r"page \d+ of \d+", page)[0] for page in pdf_pages(data)]
    assert long_word in squeeze("".join(bodies))
    # Nothing was even tried: escaped text holds no URL for WeasyPrint to fetch.
    assert not [
        r
        for r in caplog.records
        if "etc/passwd" in r.getMessage() or "example.com" in r.getMessage()
    ]


class CountingHandler(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        CountingHandler.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listening_server():
    CountingHandler.hits = []
    server = HTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_the_renderer_fetches_nothing_from_the_network_or_outside_static(app, listening_server):
    static = Path(app.static_folder)
    markup = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{listening_server}/evil.css">
      <style>@import url("{listening_server}/imported.css");
        body {{ background: url("{listening_server}/bg.png"); }}</style></head>
      <body><p>Still here</p>
      <img src="{listening_server}/pixel.png" alt="remote">
      <img src="file:///etc/passwd" alt="passwd">
      <img src="{(static / ".." / "config.py").as_uri()}" alt="escape">
      <img src="css/../../config.py" alt="relative escape">
      <iframe src="{listening_server}/frame"></iframe>
      <object data="{listening_server}/object"></object>
      </body></html>"""
    data = html_to_pdf(markup, app.static_folder)
    assert "Still here" in pdf_pages(data)[0]
    assert CountingHandler.hits == []


@pytest.fixture
def fetcher(app) -> StaticOnlyFetcher:
    return StaticOnlyFetcher(app.static_folder)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.css",
        "https://example.com/font.ttf",
        "ftp://example.com/x",
        "file:///etc/passwd",
        "file://example.com/etc/passwd",
        "//example.com/x.css",
        "static/../config.py",
        "../config.py",
        "javascript:alert(1)",
    ],
)
def test_the_fetcher_refuses(fetcher, url):
    with pytest.raises(ForbiddenURL):
        fetcher.fetch(url)


def test_the_fetcher_refuses_escapes_from_static(fetcher, app):
    static = Path(app.static_folder)
    for sneaky in (
        (static / ".." / "config.py").as_uri(),
        static.as_uri() + "/%2e%2e/config.py",
        static.as_uri() + "/css/../../config.py",
        static.as_uri(),  # the folder itself is not a file
        static.as_uri() + "/no-such-file.css",
    ):
        with pytest.raises(ForbiddenURL):
            fetcher.fetch(sneaky)


def test_the_fetcher_refuses_a_symlink_out_of_static(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (static / "link.txt").symlink_to(secret)
    with pytest.raises(ForbiddenURL):
        StaticOnlyFetcher(static).fetch((static / "link.txt").as_uri())


def test_the_fetcher_serves_static_files_and_data_urls(fetcher, app):
    font = Path(app.static_folder) / "vendor" / "fonts" / "dejavu-sans" / "DejaVuSans.ttf"
    response = fetcher.fetch(font.as_uri())
    assert response.read() == font.read_bytes()
    stylesheet = fetcher.fetch((Path(app.static_folder) / "css" / "print.css").as_uri())
    assert stylesheet.content_type == "text/css"
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"


def test_page_and_pdf_show_the_same_averages(app, full):
    full.client.locale = "en"
    db.session.commit()
    test_client = app.test_client()
    login(test_client, full.client)
    page = test_client.get("/reports/me?days=30").get_data(as_text=True)
    rows = {match["key"]: match.groupdict() for match in ROW_RE.finditer(page)}
    assert len(rows) == 8

    data = test_client.get("/reports/me.pdf?days=30").data
    text = "\n".join(pdf_pages(data))
    pdf_rows = {}
    for key, row in rows.items():
        label, hint = html.unescape(row["label"]), html.unescape(row["hint"])
        match = re.search(rf"^{re.escape(label)}\n{re.escape(hint)}\n(.+)$", text, re.MULTILINE)
        assert match, key
        pdf_rows[key] = match.group(1).strip()
    page_rows = {
        key: " ".join(html.unescape(row[part]) for part in ("value", "previous", "change"))
        for key, row in rows.items()
    }
    assert pdf_rows == page_rows
    assert (
        rows["mood"]["value"]
        == build_summary(full.client, full.today - timedelta(days=29), full.today, locale="en")
        .average("mood")
        .value_text
    )


def test_both_pdfs_head_an_item_ten_answer_with_it(app, make):
    """Issue 14: "EPDS 1 of 30 · Few symptoms" hid an answer about harming herself."""
    mother = make.client(practitioner=make.practitioner(), name="Lotte Bakker")
    today = local_today(mother.timezone)
    add_checkin(mother, today)
    add_response(mother, "epds", [0, 0, 0, 0, 0, 0, 0, 0, 0, 1], today)
    db.session.commit()
    made = FullClient(mother, None, today)
    _summary, data = make_pdf(app, made, days=7)
    text = squeeze("\n".join(pdf_pages(data)))
    assert squeeze("One answer about harming yourself – please talk about it") in text
    assert squeeze("Few symptoms") not in text
    _summary, data = make_pdf(app, made, audience="practitioner", days=7)
    text = squeeze("\n".join(pdf_pages(data)))
    assert squeeze("item 10 (thoughts of harming herself) scored 1") in text
    assert squeeze("Few symptoms") not in text


def test_both_pdfs_mark_a_score_on_placeholder_wording(app, make):
    mother = make.client(practitioner=make.practitioner(), name="Lotte Bakker")
    today = local_today(mother.timezone)
    add_checkin(mother, today)
    response = add_response(mother, "epds", [1] * 9 + [0], today)
    response.wording, response.wording_locale, response.wording_validated = (
        "placeholder",
        "en",
        False,
    )
    db.session.commit()
    made = FullClient(mother, None, today)
    for audience in ("client", "practitioner"):
        _summary, data = make_pdf(app, made, audience=audience, days=7)
        assert squeeze("placeholder wording") in squeeze("\n".join(pdf_pages(data))), audience
