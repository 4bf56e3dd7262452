"""Browser tests: a live portal on 127.0.0.1 and Debian's Chromium driven by Playwright.

Playwright cannot download its own browsers here, so it drives /usr/bin/chromium. When that is
missing, CI fails (it installs Chromium in .ci/run); elsewhere the browser tests are skipped
with one line naming the install command, and the rest of `make test` still runs.
"""

import os
import shutil
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from config import TestingConfig
from portal import create_app
from portal.extensions import db
from tests.conftest import _empty_postgres

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def live_app(database_template, tmp_path):
    """The portal served by a real HTTP server in a thread, on its own database."""
    if database_template.startswith("postgresql"):
        url = database_template
    else:
        path = tmp_path / "live.db"
        shutil.copy(database_template, path)
        url = f"sqlite:///{path}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        yield app
        db.session.remove()
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        if url.startswith("postgresql"):
            # SQLite gets a fresh copy per test; PostgreSQL is shared, so empty it, or the next
            # browser test meets this one's people (the same e-mail, two "Anna de Vries").
            _empty_postgres()
        db.engine.dispose()


@pytest.fixture
def base_url(live_app) -> str:
    return live_app.config["BASE_URL"]


def pytest_collection_modifyitems(config, items):
    """Outside CI, skip the browser tests when Chromium is missing instead of failing them."""
    if os.path.exists(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: sudo apt-get install chromium")
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab that records console errors and CSP violations."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-NL")
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()
