"""Screenshot every main page of every role, at 390 and 1366 px, light and dark, nl and en.

`make screenshots` runs this: a portal on a fresh demo database in a temporary folder, served
on 127.0.0.1, photographed by Chromium into screenshots/ (not committed), so a reviewer can
look at the whole portal in a minute.
"""

import sys
import tempfile
import threading
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT))

from config import TestingConfig  # noqa: E402
from portal import create_app  # noqa: E402
from portal.demo import ADMIN_EMAIL, DEMO_PASSWORD, client_email, seed_demo  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import User  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.e2e.test_accessibility import ADMIN, ANONYMOUS, MOTHER, PRACTITIONER  # noqa: E402

OUT = ROOT / "screenshots"
ROLES = [  # (name, e-mail or None, pages, widths)
    ("public", None, ANONYMOUS, (390, 1366)),
    ("mother", client_email(1), MOTHER + ["/help"], (390, 1366)),
    ("practitioner", "practitioner@demo.test", PRACTITIONER, (1366, 390)),
    ("admin", ADMIN_EMAIL, ADMIN, (1366, 390)),
]


def serve_demo(folder: Path):
    """Start the portal on a new demo database; return (base URL, server, client id)."""
    url = f"sqlite:///{folder / 'demo.db'}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        seed_demo()
        for user in db.session.scalars(sa.select(User).where(User.totp_enabled.is_(True))):
            user.totp_enabled = False  # screenshots of pages, not of the authenticator step
        db.session.commit()
        client_id = db.session.scalar(sa.select(User.id).where(User.email == client_email(1)))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server, client_id


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        base, server, client_id = serve_demo(Path(folder))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for role, email, pages, widths in ROLES:
                for width in widths:
                    for scheme in ("light", "dark"):
                        for language in ("nl", "en"):
                            context = browser.new_context(
                                viewport={"width": width, "height": 844 if width < 800 else 900},
                                color_scheme=scheme,
                            )
                            page = context.new_page()
                            page.goto(f"{base}/help?lang={language}")
                            if email:
                                page.goto(f"{base}/login")
                                page.locator("input[name=email]").fill(email)
                                page.locator("input[name=password]").fill(DEMO_PASSWORD)
                                page.locator("main form button[type=submit]").click()
                                page.wait_for_load_state()
                            language_button = page.locator(f"footer button[value={language}]")
                            if language_button.is_enabled():
                                language_button.click()
                                page.wait_for_load_state()
                            for path in pages:
                                page.goto(base + path.format(client_id=client_id))
                                name = path.strip("/").replace("/", "_") or "home"
                                page.screenshot(
                                    path=OUT / f"{role}-{width}-{scheme}-{language}-{name}.png",
                                    full_page=True,
                                )
                            context.close()
            browser.close()
        server.shutdown()
    print(f"Screenshots in {OUT}/")


if __name__ == "__main__":
    main()
