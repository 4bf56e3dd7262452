"""`flask guidance ...`: load the built-in modules into the database."""

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.guidance.loader import ContentError, load_content

guidance_cli = AppGroup("guidance", help="Manage guidance modules.")


@guidance_cli.command("load")
@click.option("--force", is_flag=True, help="Overwrite texts a practice has edited.")
def load(force: bool) -> None:
    """Load the built-in modules and lessons (idempotent)."""
    try:
        report = load_content(force=force)
    except ContentError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for line in report.lines():
        click.echo(line)
