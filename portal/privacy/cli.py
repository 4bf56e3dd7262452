"""Backup and restore commands."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach backup and restore."""
