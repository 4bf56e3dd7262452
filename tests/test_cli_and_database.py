"""CLI commands, the demo data, the migrations and the SQLite settings."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.demo import DEMO_PASSWORD, seed_demo
from portal.extensions import db
from portal.models import CheckIn, User
from portal.passwords import verify_password


def test_create_admin(runner):
    result = runner.invoke(
        args=["create-admin", "--email", "Owner@Example.test", "--name", "Owner"],
        input="a long owner password\na long owner password\n",
    )
    assert result.exit_code == 0, result.output
    owner = db.session.scalar(sa.select(User).where(User.email == "owner@example.test"))
    assert owner.is_admin


def test_create_admin_refuses_a_weak_password(runner):
    result = runner.invoke(
        args=["create-admin", "--email", "o@example.test", "--name", "O"], input="short\nshort\n"
    )
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (
        db.session.scalar(sa.select(sa.func.count(User.id))),
        db.session.scalar(sa.select(sa.func.count(CheckIn.id))),
    )
    second = runner.invoke(args=["seed-demo"])
    assert "nothing changed" in second.output
    assert counts == (
        db.session.scalar(sa.select(sa.func.count(User.id))),
        db.session.scalar(sa.select(sa.func.count(CheckIn.id))),
    )


def test_demo_accounts_exist_with_the_documented_password(app):
    seed_demo()
    db.session.commit()
    emails = ["admin@demo.test", "practitioner@demo.test", "client@demo.test", "client2@demo.test"]
    for email in emails:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        assert verify_password(user.password_hash, DEMO_PASSWORD), email
    clients = db.session.scalars(sa.select(User).where(User.role == "client")).all()
    assert len(clients) == 12
    assert all(c.profile.practitioner_id for c in clients)


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_sqlite_connections_use_wal_and_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


def test_sqlite_reading_holds_no_write_lock_and_may_write_after_another_writer(app, make):
    """A request that reads first neither blocks other writers nor fails when it writes later."""
    if db.engine.dialect.name != "sqlite":
        return
    client_id = make.client().id
    db.session.commit()
    users = User.__table__
    with db.engine.connect() as reader, db.engine.connect() as writer:
        writer.exec_driver_sql("PRAGMA busy_timeout=200")  # fail fast instead of waiting 15 s
        name = reader.execute(sa.select(users.c.full_name).where(users.c.id == client_id))
        assert name.scalar_one()
        # Another worker writes while the first is still in its read.
        writer.execute(users.update().where(users.c.id == client_id).values(full_name="B"))
        writer.commit()
        # The first now writes too: it takes the write lock instead of failing on its stale read.
        reader.execute(users.update().where(users.c.id == client_id).values(locale="en"))
        reader.commit()
    row = db.session.execute(
        sa.select(users.c.full_name, users.c.locale).where(users.c.id == client_id)
    ).one()
    assert tuple(row) == ("B", "en")


# --- No demo numbers in production. ---------------------------------------------------------

PRODUCTION_ENV = {
    "SECRET_KEY": "a long random production secret",
    "DATABASE_URL": "postgresql+psycopg://portal@/portal",
    "TOTP_ENCRYPTION_KEY": "a key",
    "PRACTICE_PHONE": "030-765 43 21",
    "HUISARTSENPOST_PHONE": "0900-450 12 12",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
}


@pytest.mark.parametrize(
    "missing",
    [("PRACTICE_PHONE",), ("HUISARTSENPOST_PHONE",), ("PRACTICE_PHONE", "HUISARTSENPOST_PHONE")],
)
def test_production_refuses_to_start_with_the_demo_phone_numbers(monkeypatch, missing):
    from config import ProductionConfig

    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    for name in missing:
        monkeypatch.delenv(name)
    with pytest.raises(RuntimeError) as refused:
        ProductionConfig.check()
    for name in missing:
        assert name in str(refused.value)
    for name in set(PRODUCTION_ENV) - set(missing):
        assert name not in str(refused.value)


def test_production_starts_with_the_practices_own_numbers(monkeypatch):
    from config import ProductionConfig

    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    ProductionConfig.check()
    monkeypatch.setenv("HUISARTSENPOST_PHONE", "  ")
    with pytest.raises(RuntimeError, match="HUISARTSENPOST_PHONE"):
        ProductionConfig.check()
