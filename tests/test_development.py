"""`make run` as a developer sees it: mail in the terminal, links to the port it serves on."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SEND_A_MAIL = textwrap.dedent(
    """
    from portal import create_app, worker
    from portal.extensions import db
    from portal.links import absolute_url
    from portal.mail import send_mail

    app = create_app()
    with app.app_context():
        link = absolute_url("auth.login")
        send_mail("anna@example.test", "Choose a new password", "Open " + link)
        db.session.commit()
        # What the worker beside `make run` does with it.
        worker.run(max_ticks=1)
    """
)


def _development_env(tmp_path, **extra) -> dict:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"BASE_URL", "PORT", "PORTAL_ENV", "MAIL_BACKEND", "LOG_LEVEL"}
    }
    env.update(
        PORTAL_ENV="development",
        MAIL_BACKEND="log",
        DATABASE_URL=f"sqlite:///{tmp_path / 'dev.db'}",
        **extra,
    )
    return env


def _run(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


MIGRATE = "from flask_migrate import upgrade\nfrom portal import create_app\n" \
    "with create_app().app_context():\n    upgrade()\n"


def test_a_development_mail_shows_in_the_terminal_once_with_links_to_the_served_port(tmp_path):
    env = _development_env(tmp_path, PORT="5082")
    _run(MIGRATE, env)  # make run migrates in a command of its own, before serving
    terminal = _run(SEND_A_MAIL, env).stderr
    assert "mail to anna@example.test: Choose a new password" in terminal
    assert "Open http://127.0.0.1:5082/login" in terminal
    assert terminal.count("Choose a new password") == 1


def test_base_url_follows_port_in_development_unless_set():
    print_base_url = "from config import DevelopmentConfig; print(DevelopmentConfig.BASE_URL)"
    env = _development_env(Path("/nonexistent"), PORT="5082")
    assert _run(print_base_url, env).stdout.strip() == "http://127.0.0.1:5082"
    env.pop("PORT")
    assert _run(print_base_url, env).stdout.strip() == "http://127.0.0.1:5000"
    env.update(PORT="5082", BASE_URL="https://portal.example.nl")
    assert _run(print_base_url, env).stdout.strip() == "https://portal.example.nl"
