"""A dropped database connection costs one reconnect, never a failed request (PostgreSQL)."""

import psycopg
import pytest
import sqlalchemy as sa

from portal import worker
from portal.extensions import db
from portal.mail import send_mail
from portal.models import OutboxMessage


def kill_other_connections(url: sa.URL) -> int:
    """Terminate every other connection to the test database, as a restart or a proxy would."""
    with psycopg.connect(
        host=url.host, port=url.port or 5432, user=url.username, dbname=url.database,
        autocommit=True,
    ) as admin:
        return admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]


@pytest.fixture
def postgres_app(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    return app


def test_the_next_request_succeeds_after_connections_are_killed(postgres_app, login_as):
    browser, _client = login_as("client")
    assert browser.get("/me/").status_code == 200
    db.session.commit()
    assert kill_other_connections(db.engine.url) >= 1
    assert browser.get("/me/").status_code == 200
    assert browser.get("/healthz").status_code == 200


def test_the_worker_carries_on_after_connections_are_killed(postgres_app):
    send_mail("someone@example.test", "Subject", "Body")
    db.session.commit()
    kill_other_connections(db.engine.url)
    worker.run(max_ticks=1)
    assert db.session.scalar(sa.select(OutboxMessage.sent_at)) is not None
