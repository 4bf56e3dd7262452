"""Cron command: the staff's morning digests (the worker runs the same every 15 minutes)."""

import click
from flask import Flask

from portal.extensions import db
from portal.messages.digest import send_digests


def register(app: Flask) -> None:
    """Attach send-digests."""

    @app.cli.command("send-digests")
    def digests() -> None:
        """Send the digests that are due (cron: every 15 minutes; each goes once a day)."""
        sent = send_digests()
        db.session.commit()
        click.echo(f"{sent} digest(s) sent.")
