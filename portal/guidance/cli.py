"""`flask guidance ...`: load the built-in modules into the database."""

import click
from flask.cli import AppGroup

guidance_cli = AppGroup("guidance", help="Manage guidance modules.")


@guidance_cli.command("load")
@click.option("--force", is_flag=True, help="Overwrite texts a practice has edited.")
def load(force: bool) -> None:
    """Load the built-in modules and lessons (idempotent)."""
    click.echo("Nothing to load yet.")
