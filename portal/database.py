"""Engine settings: SQLite gets WAL, busy timeout, foreign keys and late write locks.

SQLite has one writer at a time. A transaction that read and then tries to write fails at once
("database is locked") when another connection wrote in between: its snapshot is stale and no
busy timeout helps. Taking the write lock when the transaction begins avoids that, but then a
check-in holds the lock for its whole request (loading the user, checking the form) and the
four workers queue behind each other. So a transaction begins as a read and, at its first
write, ends that read and begins again with BEGIN IMMEDIATE: the write lock is held only from
the first write to the commit. What was read before sees data as of a moment earlier, the
guarantee PostgreSQL's default READ COMMITTED gives too; every write that must not race is a
single atomic statement or guarded by a unique index.

Deleted rows must not linger in the file: secure_delete overwrites freed space with zeros, and
`checkpoint_wal` (run after an erasure) moves the WAL into the database and empties it, so old
copies of the pages in the WAL go too.
"""

from flask import Flask
from sqlalchemy import event

BUSY_TIMEOUT_MS = 15000
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
TRANSACTION = "sqlite_transaction"  # key in the connection's info: "pending", "read", "write"
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")


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
    event.listen(engine, "before_cursor_execute", _before_cursor_execute)


def _on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def checkpoint_wal(app: Flask) -> tuple[int, int, int] | None:
    """Copy the WAL into the SQLite file and truncate it; None on other databases.

    Returns SQLite's (busy, WAL frames, frames checkpointed). It waits (busy timeout) for
    readers of older snapshots, so call it after the commit, outside any transaction.
    """
    if not is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        return None
    from portal.extensions import db

    # A raw connection: the transaction hooks above would wrap the pragma in a BEGIN.
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        busy, frames, done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    return busy, frames, done


def _on_begin(connection) -> None:
    # Nothing is sent yet: the first statement decides how the transaction begins.
    connection.info[TRANSACTION] = "pending"


def _before_cursor_execute(connection, cursor, statement, *_args) -> None:
    state = connection.info.get(TRANSACTION)
    if state not in ("pending", "read"):
        return  # outside a transaction, or already holding the write lock
    if not statement.lstrip()[:9].upper().startswith(WRITES):
        if state == "pending":
            cursor.execute("BEGIN")
            connection.info[TRANSACTION] = "read"
        return
    if state == "read":
        cursor.execute("COMMIT")  # nothing was written yet: this only ends the read
    cursor.execute("BEGIN IMMEDIATE")
    connection.info[TRANSACTION] = "write"


# --- a database blip during a request --------------------------------------------------------

RETRY_SAFE = "_retry_safe_after_disconnect"


def retry_safe(view):
    """Mark a view whose POST may run a second time: it stores once whatever the repeats.

    A check-in is an upsert of her one row for the day; a questionnaire keys on its one-time
    submission id. So when the connection dies mid-transaction (or just after COMMIT was sent),
    running the request again stores what she sent exactly once.
    """
    setattr(view, RETRY_SAFE, True)
    return view


def retry_after_disconnect(app: Flask, error: Exception):
    """Run the request once more after its database connection died; None if it may not.

    Called by the 500 handler after the rollback. Reads (GET, HEAD) may always run again; a POST
    only when its view is marked `retry_safe`. The dead connection was invalidated, so the
    second run gets a fresh one from the pool. If that fails too, the 500 page stands.
    """
    from flask import g, request
    from sqlalchemy.exc import DBAPIError

    if not (isinstance(error, DBAPIError) and error.connection_invalidated):
        return None
    if g.get("retried_after_disconnect"):
        return None
    view = app.view_functions.get(request.endpoint or "")
    if request.method not in READ_METHODS and not getattr(view, RETRY_SAFE, False):
        return None
    g.retried_after_disconnect = True
    app.logger.warning(
        "database connection lost during %s %s; running it once more", request.method,
        request.path,
    )
    from portal.extensions import db

    try:
        response = app.preprocess_request()
        if response is None:
            response = app.dispatch_request()
    except Exception:  # the second run failed too: the error page stands
        db.session.rollback()
        app.logger.exception("the request failed again after a lost database connection")
        return None
    return response
