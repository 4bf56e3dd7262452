"""Cron commands for check-ins and flags."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach evaluate-flags, escalate-flags and send-reminders."""
