"""How pages and files travel to a phone on a slow line: compressed, cached, nothing blocking.

What a mother notices: her pages appear at once on a weak signal, and a second visit fetches no
file again. What must not change on the way: pages with her data stay out of every cache, and
the Content Security Policy still allows no inline style or script but the page's own.
"""

import base64
import gzip
import hashlib
import re

import brotli
import pytest

from portal.assets import INLINE_STYLESHEETS, Assets

STATIC_URL = re.compile(r'(?:src|href)="(/static/[^"]+)"')


def without_csrf(page: bytes) -> bytes:
    return re.sub(rb'(name="csrf_token"(?: type="hidden")? value=")[^"]+"', rb'\1"', page)


def static_urls(html: str) -> list[str]:
    return STATIC_URL.findall(html)


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_are_sent_compressed(client, encoding, decode):
    plain = client.get("/help").get_data()
    response = client.get("/help", headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    # The footer's form carries a CSRF token signed with the second it was made: two requests
    # either side of a second differ only there.
    assert without_csrf(decode(response.get_data())) == without_csrf(plain)
    assert len(response.get_data()) < len(plain) / 3


def test_pages_with_an_error_status_are_compressed_too(login_as):
    browser, _mother = login_as("client")
    # Her check-in with a mistake in it comes back as 422, with her answers and the message.
    page = browser.get("/me/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)
    sent = browser.post("/me/", data={"csrf_token": token, "mood": "9"},
                        headers={"Accept-Encoding": "br"})
    assert sent.status_code == 422 and sent.headers["Content-Encoding"] == "br"
    assert "<form" in brotli.decompress(sent.get_data()).decode()
    missing = browser.get("/no-such-page", headers={"Accept-Encoding": "gzip"})
    assert missing.status_code == 404 and missing.headers["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(missing.get_data())


def test_a_browser_that_asks_for_nothing_gets_plain_html(client):
    response = client.get("/help")
    assert "Content-Encoding" not in response.headers
    assert b"<!doctype html>" in response.get_data()


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_static_files_are_fingerprinted_immutable_and_compressed(client, encoding, decode):
    urls = static_urls(client.get("/help").get_data(as_text=True))
    script = next(url for url in urls if "/js/nav." in url)
    assert re.fullmatch(r"/static/js/nav\.[0-9a-f]{12}\.js", script)
    response = client.get(script, headers={"Accept-Encoding": encoding})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == encoding
    assert decode(response.get_data()) == client.get("/static/js/nav.js").get_data()


def test_every_static_file_a_page_names_is_fingerprinted(client):
    for path in ("/help", "/login", "/about"):
        urls = static_urls(client.get(path).get_data(as_text=True))
        assert urls, path
        for url in urls:
            assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
            assert client.get(url).headers["Cache-Control"].endswith("immutable"), url


def test_a_wrong_fingerprint_is_not_found_and_the_plain_name_is_not_immutable(client):
    assert client.get("/static/js/nav.0123456789ab.js").status_code == 404
    plain = client.get("/static/js/nav.js")
    assert plain.status_code == 200
    assert "immutable" not in plain.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_name(tmp_path):
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "app.js"
    script.write_text("let a = 1;")
    (tmp_path / "vendor" / "pico").mkdir(parents=True)
    (tmp_path / "css").mkdir()
    for name in INLINE_STYLESHEETS:
        (tmp_path / name).write_text("p { color: red }")
    first = Assets.build(tmp_path).fingerprinted["js/app.js"]
    script.write_text("let a = 2;")
    second = Assets.build(tmp_path).fingerprinted["js/app.js"]
    assert first != second
    assert first.startswith("js/app.") and first.endswith(".js")


def test_no_stylesheet_blocks_the_first_paint_and_scripts_are_deferred(client, login_as):
    mother, _ = login_as("client")
    for test_client, path in [(client, "/help"), (client, "/login"), (mother, "/me/"),
                              (mother, "/me/history")]:
        html = test_client.get(path).get_data(as_text=True)
        head = html.split("</head>")[0]
        # The one linked sheet is dark mode's, which a phone in light mode does not wait for.
        for tag in re.findall(r'<link rel="stylesheet"[^>]*>', html):
            assert 'media="(prefers-color-scheme: dark)"' in tag, (path, tag)
        for tag in re.findall(r"<script[^>]*\bsrc=[^>]*>", html):
            assert " defer" in tag or " async" in tag, (path, tag)
        assert "<style>" in head, path


def test_the_inline_stylesheet_and_script_are_allowed_by_their_hashes_alone(client):
    response = client.get("/help")
    html = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(styles) == 1 and len(scripts) == 1
    for source, directive in ((styles[0], "style-src"), (scripts[0], "script-src")):
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in directives[directive]
    # Pico's rules for what the portal uses are in it, minified, under Pico's licence notice.
    notice, _end, rules = styles[0].partition("*/")
    assert "Licensed under MIT" in notice
    assert ".container{" in rules and "\n" not in rules.strip()


def test_pages_with_her_data_stay_no_store_and_compressed(login_as):
    mother, _ = login_as("client")
    response = mother.get("/me/", headers={"Accept-Encoding": "br"})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Encoding"] == "br"


def test_the_service_worker_keeps_the_files_under_the_names_pages_ask_for(client):
    page_urls = static_urls(client.get("/help").get_data(as_text=True))
    worker = client.get("/sw.js")
    assert worker.headers["Cache-Control"] == "no-cache"
    assert worker.mimetype == "text/javascript"
    source = worker.get_data(as_text=True)
    # Precached under the page's own names, so found offline: scripts, dark-mode rules, icon.
    needed = [url for url in page_urls if not url.endswith(".webmanifest")]
    assert any("/css/dark." in url for url in needed) and any("/js/nav." in url for url in needed)
    assert [url for url in needed if f'"{url}"' not in source] == []
    assert '"/static/js/nav.js"' not in source


def test_every_screen_stylesheet_is_in_the_inline_one(app):
    """A new sheet under static/css/ must join INLINE_STYLESHEETS (print.css is WeasyPrint's)."""
    from pathlib import Path

    sheets = {f"css/{path.name}" for path in (Path(app.static_folder) / "css").glob("*.css")}
    assert sheets - {"css/print.css"} == {
        name for name in INLINE_STYLESHEETS if name.startswith("css/")
    }


def test_dark_mode_rules_are_linked_for_dark_mode_only_and_not_inlined(client):
    """Her first paint waits only for the light rules; the dark ones still reach a dark phone."""
    html = client.get("/help").get_data(as_text=True)
    inline = re.findall(r"<style>(.*?)</style>", html, re.S)[0]
    assert "prefers-color-scheme" not in inline
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)" media="([^"]+)">', html)
    assert [media for _url, media in links] == ["(prefers-color-scheme: dark)"]
    url = links[0][0]
    assert re.fullmatch(r"/static/css/dark\.[0-9a-f]{12}\.css", url)
    response = client.get(url, headers={"Accept-Encoding": "br"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.mimetype == "text/css"
    dark = brotli.decompress(response.get_data()).decode()
    assert dark.startswith("@media (prefers-color-scheme:dark){")
    # Pico's dark colours, then the portal's own (the urgent colour readable on a dark ground).
    assert dark.index("--pico-background-color:rgb(19") < dark.index("--portal-urgent:#ff8a80")
    assert client.get("/static/css/dark.css").get_data(as_text=True) == dark
    assert client.get("/static/css/dark.0123456789ab.css").status_code == 404
