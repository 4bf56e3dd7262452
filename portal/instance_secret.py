"""A secret key of this installation's own when SECRET_KEY is not set, made once in instance/.

A fallback key printed in the source let anyone sign a session cookie for any account of a
portal started without SECRET_KEY. Production refuses to start without one (config.py); every
other start without it uses a random key kept in `instance/secret_key` (mode 0600, git-ignored),
so sessions survive a restart and each installation's key is its own.
"""

import os
import secrets
from pathlib import Path

from flask import Flask

FILE_NAME = "secret_key"


def configure_secret_key(app: Flask) -> None:
    """Keep SECRET_KEY when set; otherwise use the instance's own key, made on the first start."""
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / FILE_NAME)
    app.config["SECRET_KEY"] = load_or_create_key(path)


def load_or_create_key(path: Path) -> str:
    """Return the key stored at path, writing a new random one there first if there is none."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_once(path, secrets.token_urlsafe(32))
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it and a new key is made on the next start")
    return key


def write_once(path: Path, key: str) -> None:
    """Write a key file once (mode 0600); of several processes racing, the first one wins."""
    _write_once(path, key)


def _write_once(path: Path, key: str) -> None:
    # Written in full under a name of its own, then linked into place: of several workers
    # starting at once, the first link wins and every worker reads that one complete key.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
