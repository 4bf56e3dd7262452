"""Consistent backups while the portal runs, and putting one back.

SQLite: the online backup API copies a single consistent snapshot (readers and the writer carry
on; WAL mode lets the copy read while check-ins are written). The copy is checked with
`PRAGMA integrity_check` and switched to a plain journal, so it is one self-contained file.

PostgreSQL: `pg_dump --format=custom` (it reads in one repeatable-read transaction, so the dump
is consistent while the portal writes) and `pg_restore --clean --if-exists --single-transaction`.
The client programs must be installed and of the server's major version or newer. Connection
details go to them through the PG* environment variables, never on the command line, so the
password does not show in the process list.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why."""


def backup_database(uri: str, target: Path) -> None:
    """Write a consistent copy of the database at `uri` to the file `target`."""
    url = make_url(uri)
    if url.get_backend_name() == "sqlite":
        _sqlite_backup(_sqlite_path(url), Path(target))
    elif url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={target}"], url)
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")


def restore_database(uri: str, source: Path) -> None:
    """Put a backup made by backup_database back into the database at `uri`."""
    url = make_url(uri)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    head = source.read_bytes()[:16]
    if url.get_backend_name() == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not an SQLite backup")
        _sqlite_restore(source, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        if not head.startswith(PG_CUSTOM_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format backup")
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-acl",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={url.database}",
                str(source),
            ],
            url,
        )
    else:
        raise BackupError(f"no restore method for {url.get_backend_name()}")


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _check_integrity(connection: sqlite3.Connection, what: str) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} failed the integrity check: {result}")


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"{database} does not exist")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written next to the target and moved into place, so a half-written file never has its name.
    handle, partial = tempfile.mkstemp(prefix=".backup-", suffix=".db", dir=target.parent)
    os.close(handle)
    try:
        source = sqlite3.connect(database, timeout=30)
        copy = sqlite3.connect(partial)
        try:
            # pages=-1: the whole database in one step, so the copy is one snapshot.
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")
            _check_integrity(copy, "the backup")
        finally:
            copy.close()
            source.close()
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _sqlite_restore(source: Path, database: Path) -> None:
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _check_integrity(backup, str(source))
        database.parent.mkdir(parents=True, exist_ok=True)
        live = sqlite3.connect(database, timeout=30)
        try:
            # Into the configured file through the same API: connections of a running portal
            # see the restored data on their next transaction instead of a swapped-out file.
            backup.backup(live, pages=-1)
            live.execute("PRAGMA journal_mode=WAL")
            _check_integrity(live, "the restored database")
        finally:
            live.close()
    finally:
        backup.close()


def _pg_environment(url) -> dict[str, str]:
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if value is not None:
            env[variable] = str(value)
    return env


def _run(command: list[str], url) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (the PostgreSQL client programs)")
    completed = subprocess.run(
        command, env=_pg_environment(url), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BackupError(f"{command[0]} failed: {completed.stderr.strip()}")
