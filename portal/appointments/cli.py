"""Commands: the appointment reminders (the worker runs them every 15 minutes)."""

import click
from flask import Flask

from portal.appointments.services import send_due_reminders
from portal.extensions import db


def register(app: Flask) -> None:
    """Attach send-appointment-reminders."""

    @app.cli.command("send-appointment-reminders")
    def appointment_reminders() -> None:
        """E-mail her a reminder of an appointment in the next 24 hours (cron: every 15 min)."""
        sent = send_due_reminders()
        db.session.commit()
        click.echo(f"{sent} appointment reminder(s) sent.")
