"""Shared fixtures: an app on a real database (SQLite file or PostgreSQL), factories, login helpers.

The schema is built once per run by the Alembic migrations (so the migrations are tested too);
each test then gets an empty database: a fresh copy of the migrated SQLite file, or emptied
PostgreSQL tables. Under pytest-xdist each worker builds its own: a SQLite template in its own
temporary directory, a PostgreSQL database of its own named after TEST_DATABASE_URL's
(test_gw0, test_gw1, ...).
"""

import os
import re
import shutil
from collections.abc import Sequence
from datetime import date

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy.engine import make_url

from config import TestingConfig
from portal import create_app
from portal.auth.services import create_user
from portal.extensions import db
from portal.models import OutboxMessage, User

PASSWORD = "a calm walk in the park"
CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
SUBMISSION_RE = re.compile(r'name="submission_id" type="hidden" value="([^"]+)"')


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _migrate(url: str) -> None:
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        if _is_postgres(url):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
        db.engine.dispose()


def _worker_database(url: str) -> str:
    """Return the URL of this xdist worker's own PostgreSQL database, creating it when missing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    given = make_url(url)
    name = f"{given.database}_{worker}"
    engine = sa.create_engine(given, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = sa.text("SELECT 1 FROM pg_database WHERE datname = :name")
            if conn.scalar(exists, {"name": name}) is None:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


# Restarting the sequences keeps ids from 1 in every test, as on SQLite.
RESTART_SEQUENCES = sa.text(
    "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) FROM pg_sequences"
    " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def _empty_postgres() -> None:
    """Delete every row, children first, and restart the sequences.

    TRUNCATE gives each table and index a new file: about half a second per test here, where
    deleting the few rows a test wrote takes a millisecond.
    """
    tables = reversed(db.metadata.sorted_tables)
    db.session.execute(sa.text("; ".join(f"DELETE FROM {table.name}" for table in tables)))
    db.session.execute(RESTART_SEQUENCES)
    db.session.commit()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """Build the schema once per run and return its URL (PostgreSQL) or file path (SQLite)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = _worker_database(url)
        _migrate(url)
        return url
    path = tmp_path_factory.mktemp("db") / "template.db"
    _migrate(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def app_config() -> dict:
    """Per-test config overrides; a test module may override this fixture."""
    return {}


class BrowserClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The test itself holds an app context (so factories and queries just work). Without this,
    Flask would reuse that context for requests, sharing `g` (the signed-in user) and the
    database session between requests. The test's own session commits first, so the request
    sees the test's data and the test reloads what the request changed.
    """

    def open(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            db.session.commit()
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


class CompiledTemplates(BytecodeCache):
    """Templates compiled once per run and shared by every test's app.

    Each test builds its own app, and each app compiled again every template it rendered: a
    third of the suite's time. Jinja checks each template's source against its checksum.
    """

    def __init__(self):
        self.bytecode: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.bytecode:
            bucket.bytecode_from_string(self.bytecode[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.bytecode[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


@pytest.fixture
def app(database_template, tmp_path, app_config):
    """An app bound to an empty, migrated database."""
    if _is_postgres(database_template):
        url = database_template
    else:
        path = tmp_path / "portal.db"
        shutil.copy(database_template, path)
        url = f"sqlite:///{path}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, **app_config)
    app.test_client_class = BrowserClient
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    with app.app_context():
        if _is_postgres(url):
            _empty_postgres()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class OutboxView(Sequence):
    """The e-mails queued so far: the outbox table, read afresh at every look, oldest first."""

    def _messages(self) -> list[OutboxMessage]:
        query = (
            sa.select(OutboxMessage)
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
        return list(db.session.scalars(query))

    def __getitem__(self, index):
        return self._messages()[index]

    def __len__(self) -> int:
        return len(self._messages())

    def __eq__(self, other) -> bool:
        return self._messages() == list(other)

    def __repr__(self) -> str:
        return repr([(m.recipient, m.kind, m.subject) for m in self._messages()])


@pytest.fixture
def outbox(app) -> OutboxView:
    """The messages queued in the outbox during the test."""
    return OutboxView()


class Factory:
    """Create people for tests; each call makes a unique account."""

    def __init__(self):
        self.count = 0

    def user(
        self,
        role: str = "client",
        *,
        email: str | None = None,
        name: str | None = None,
        practitioner: User | None = None,
        password: str = PASSWORD,
        **profile,
    ) -> User:
        self.count += 1
        email = email or f"{role}{self.count}@example.test"
        user = create_user(
            email, name or f"{role.title()} {self.count}", role, password, practitioner=practitioner
        )
        for key, value in profile.items():
            setattr(user.profile, key, value)
        db.session.commit()
        return user

    def practitioner(self, **kwargs) -> User:
        return self.user("practitioner", **kwargs)

    def admin(self, **kwargs) -> User:
        return self.user("admin", **kwargs)

    def client(self, practitioner: User | None = None, **kwargs) -> User:
        kwargs.setdefault("delivery_date", date(2026, 10, 1))
        kwargs.setdefault("delivery_type", "induced_oxytocin")
        return self.user("client", practitioner=practitioner, **kwargs)


@pytest.fixture
def make(app) -> Factory:
    return Factory()


def csrf_token(test_client, path: str = "/login") -> str:
    """Fetch a page with a form and return this session's CSRF token."""
    html = test_client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def post_form(
    test_client, url: str, data: dict | None = None, *, token_from: str | None = None, **kwargs
):
    """POST a form with a valid CSRF token, as a browser would."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(test_client, token_from or "/help"))
    return test_client.post(url, data=payload, **kwargs)


def drawn_form(test_client, path: str) -> dict[str, str]:
    """Fetch a form page and return its CSRF token and one-time submission id."""
    page = test_client.get(path).get_data(as_text=True)
    match = SUBMISSION_RE.search(page)
    assert match, f"no submission_id on {path}"
    return {"csrf_token": CSRF_RE.search(page).group(1), "submission_id": match.group(1)}


def post_drawn_form(test_client, url: str, data: dict | None = None, *, form_page=None, **kwargs):
    """POST a form as its page drew it (CSRF token, one-time submission id), as a browser would."""
    return test_client.post(url, data={**drawn_form(test_client, form_page or url), **(data or {})},
                            **kwargs)


def login(test_client, user: User, password: str = PASSWORD):
    """Sign a user in through the login form."""
    response = post_form(test_client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login_as(app, make):
    """Return a function that creates a user of a role, signs them in and returns (client, user)."""

    def _login_as(role: str = "client", user: User | None = None, **kwargs):
        if user is None:
            user = getattr(make, role)(**kwargs)
        test_client = app.test_client()
        login(test_client, user)
        return test_client, user

    return _login_as
