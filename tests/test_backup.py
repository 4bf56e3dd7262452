"""`flask backup` while check-ins are being written, and `flask restore` into a fresh database."""

import os
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from config import TestingConfig
from portal import create_app
from portal.auth.services import record_consent
from portal.extensions import db
from portal.models import CheckIn

WRITES_BEFORE_BACKUP = 60
WRITES_AFTER_BACKUP = 60


def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


class CheckInWriter(threading.Thread):
    """Insert check-ins one transaction at a time until stopped, remembering what committed."""

    def __init__(self, app, client_id: int):
        super().__init__(daemon=True)
        self.app, self.client_id = app, client_id
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            with self.app.app_context():
                first = date(2020, 1, 1)
                n = 0
                while not self.stop.is_set() and n < 5000:
                    checkin = CheckIn(
                        client_id=self.client_id,
                        day=first + timedelta(days=n),
                        mood=1 + n % 5,
                        sleep_hours=(n % 40) / 4,
                        activities=["hug"] if n % 2 else [],
                        note=f"write #{n}",
                    )
                    db.session.add(checkin)
                    db.session.commit()
                    self.committed.append(checkin.id)
                    n += 1
                db.session.remove()
        except BaseException as error:  # reported by the test
            self.error = error

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.committed) < count:
            assert self.error is None, self.error
            assert time.monotonic() < deadline, "the writer is too slow"
            time.sleep(0.01)


def table_rows(url: str, where_checkin_id_at_most: int | None = None) -> dict[str, list[tuple]]:
    """Read every table of a database (alembic_version too), rows ordered by primary key."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        rows = {}
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                query = sa.select(table).order_by(*(table.primary_key.columns or table.columns))
                if table.name == "checkins" and where_checkin_id_at_most is not None:
                    query = query.where(table.c.id <= where_checkin_id_at_most)
                rows[table.name] = [tuple(row) for row in connection.execute(query)]
        return rows
    finally:
        engine.dispose()


def seed(make) -> int:
    """Create a practitioner and a client with a consent; return the client's id."""
    practitioner = make.practitioner()
    client = make.client(practitioner=practitioner, baby_name="Noor")
    record_consent(client, "I agree.")
    client_id = client.id
    # End the transaction: on SQLite an open one would hold the write lock from the writer.
    db.session.commit()
    return client_id


def backup_during_writes(app, runner, make, target: Path) -> tuple[CheckInWriter, list[int]]:
    """Run `flask backup` while a thread keeps committing check-ins; return the writer."""
    writer = CheckInWriter(app, seed(make))
    writer.start()
    try:
        writer.wait_for(WRITES_BEFORE_BACKUP)
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        at_backup = len(writer.committed)
        writer.wait_for(at_backup + WRITES_AFTER_BACKUP)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    return writer


def assert_restored_copy_is_a_consistent_snapshot(source_url, restored_url, writer):
    restored = table_rows(restored_url)
    ids = [row[0] for row in restored["checkins"]]
    # A snapshot: exactly the check-ins committed before some moment, none half-there.
    assert WRITES_BEFORE_BACKUP <= len(ids) < len(writer.committed)
    assert ids == writer.committed[: len(ids)]
    source = table_rows(source_url, where_checkin_id_at_most=ids[-1])
    assert set(restored) == set(source)
    for table, rows in source.items():
        assert restored[table] == rows, f"table {table} differs"
    assert restored["users"] and restored["client_profiles"] and restored["consents"]
    assert restored["alembic_version"]


# --- SQLite ---------------------------------------------------------------------------------


@pytest.fixture
def sqlite_only(app):
    if is_postgres(app):
        pytest.skip("SQLite backup; the PostgreSQL run uses test_postgres_backup_*")


def fresh_sqlite_app(tmp_path: Path, name: str):
    """An app configured for a database file that does not exist yet."""
    path = tmp_path / name
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"), path


def test_sqlite_backup_during_writes_restores_into_a_fresh_database(
    app, runner, make, tmp_path, sqlite_only
):
    backup = tmp_path / "backups" / "portal-backup.db"
    writer = backup_during_writes(app, runner, make, backup)
    assert backup.read_bytes().startswith(b"SQLite format 3\x00")
    assert not list(backup.parent.glob(".backup-*")), "no partial file is left behind"

    fresh, path = fresh_sqlite_app(tmp_path, "fresh.db")
    assert not path.exists()
    # Its own app context: the CLI would otherwise run in the test's app (the source database).
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["restore", "--yes", str(backup)])
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert_restored_copy_is_a_consistent_snapshot(
        app.config["SQLALCHEMY_DATABASE_URI"], f"sqlite:///{path}", writer
    )
    # The restored database works as the portal's database.
    with fresh.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) >= 1
        db.engine.dispose()


def test_sqlite_restore_puts_the_backup_back_into_the_live_database(
    app, runner, make, tmp_path, sqlite_only
):
    client_id = seed(make)
    db.session.add(CheckIn(client_id=client_id, day=date(2026, 11, 1), mood=4, note="kept"))
    db.session.commit()
    backup = tmp_path / "before.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    db.session.add(CheckIn(client_id=client_id, day=date(2026, 11, 2), mood=1, note="after"))
    db.session.commit()

    result = runner.invoke(args=["restore", str(backup)], input="y\n")
    assert result.exit_code == 0, result.output
    notes = db.session.scalars(sa.select(CheckIn.note)).all()
    assert notes == ["kept"]
    # The portal keeps working on the restored file (WAL again).
    db.session.add(CheckIn(client_id=client_id, day=date(2026, 11, 3), mood=3))
    db.session.commit()
    assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_restore_asks_first_and_refuses_a_file_that_is_not_a_backup(
    app, runner, make, tmp_path, sqlite_only
):
    seed(make)
    backup = tmp_path / "ok.db"
    runner.invoke(args=["backup", str(backup)])
    declined = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert declined.exit_code == 1
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    result = runner.invoke(args=["restore", "--yes", str(junk)])
    assert result.exit_code == 1
    assert "not an SQLite backup" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


def test_an_in_memory_database_cannot_be_backed_up(tmp_path):
    memory = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    result = memory.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.db")])
    assert result.exit_code == 1
    assert "in-memory" in result.output


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture
def postgres_only(app):
    if not is_postgres(app):
        pytest.skip("runs with TEST_DATABASE_URL=postgresql+psycopg://...")


@pytest.fixture
def scratch_postgres(app):
    """An empty PostgreSQL database beside the test database, as a new server would have.

    Made once and kept, and emptied as the test database is (a new public schema): dropping a
    database makes PostgreSQL checkpoint the whole server, tens of seconds on a busy machine.
    """
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    name = f"{url.database}_restore"

    def libpq(database: str) -> str:
        return url.set(drivername="postgresql", database=database).render_as_string(
            hide_password=False
        )

    with psycopg.connect(libpq("postgres"), autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(libpq(name), autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")
    return url.set(database=name).render_as_string(hide_password=False)


def test_postgres_backup_during_writes_restores_into_a_fresh_database(
    app, runner, make, tmp_path, postgres_only, scratch_postgres
):
    backup = tmp_path / "portal.dump"
    writer = backup_during_writes(app, runner, make, backup)
    assert backup.read_bytes().startswith(b"PGDMP")

    fresh = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=scratch_postgres)
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["restore", "--yes", str(backup)])
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert_restored_copy_is_a_consistent_snapshot(
        app.config["SQLALCHEMY_DATABASE_URI"], scratch_postgres, writer
    )


def test_postgres_password_is_not_put_on_the_command_line():
    from portal.privacy.backup import _pg_environment

    url = make_url("postgresql+psycopg://portal:s3cret@db.example:5433/portal?sslmode=require")
    env = _pg_environment(url)
    assert env["PGPASSWORD"] == "s3cret" and env["PGHOST"] == "db.example"
    assert env["PGPORT"] == "5433" and env["PGSSLMODE"] == "require"
    assert env["PGDATABASE"] == "portal"
    assert os.environ.get("PGPASSWORD") != "s3cret"
