"""Engine settings: SQLite gets WAL, busy timeout, foreign keys and IMMEDIATE write transactions."""

from flask import Flask, has_request_context, request
from sqlalchemy import event

BUSY_TIMEOUT_MS = 15000
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def is_sqlite(uri: str) -> bool:
    """Tell whether a database URI points at SQLite."""
    return uri.startswith("sqlite")


def configure_engine_options(app: Flask) -> None:
    """Pick pool options that suit the configured database."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    if is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        options.pop("pool_pre_ping", None)
        options.setdefault("connect_args", {})["timeout"] = BUSY_TIMEOUT_MS / 1000
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def install_sqlite_pragmas(app: Flask) -> None:
    """Attach the SQLite connection and transaction hooks to the app's engine."""
    if not is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        return
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def _on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(connection) -> None:
    # A request that may write takes the write lock up front, so two concurrent check-ins
    # queue on busy_timeout instead of failing with "database is locked" on upgrade.
    if has_request_context() and request.method in READ_METHODS:
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
