"""Cron commands: evaluate time-based flags, escalate unhandled urgent flags, send reminders."""

import click
from flask import Flask

from portal import flag_service
from portal.checkins.services import send_reminders
from portal.extensions import db


def register(app: Flask) -> None:
    """Attach evaluate-flags, escalate-flags and send-reminders."""

    @app.cli.command("evaluate-flags")
    def evaluate_flags() -> None:
        """Run every flag rule for every active client (cron: daily, e.g. 06:00)."""
        raised = flag_service.evaluate_all()
        db.session.commit()
        click.echo(f"{raised} new flag(s).")

    @app.cli.command("escalate-flags")
    def escalate_flags() -> None:
        """Notify the admins of urgent flags unacknowledged past the limit (cron: hourly)."""
        count = flag_service.escalate_overdue()
        db.session.commit()
        click.echo(f"{count} urgent flag(s) escalated.")

    @app.cli.command("send-reminders")
    def reminders() -> None:
        """Send due daily check-in reminders (cron: every 15 minutes)."""
        sent = send_reminders()
        db.session.commit()
        click.echo(f"{sent} reminder(s) sent.")
