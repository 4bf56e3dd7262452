"""`flask backup PATH` and `flask restore PATH`: thin wrappers over portal.privacy.backup."""

from pathlib import Path

import click
from flask import Flask, current_app

from portal.extensions import db
from portal.privacy.backup import BackupError, backup_database, restore_database


def register(app: Flask) -> None:
    """Attach backup and restore."""

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(path: Path) -> None:
        """Write a consistent copy of the database to PATH (safe while the portal runs)."""
        try:
            backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Backup written to {path}.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Replace the database without asking.")
    def restore_command(path: Path, yes: bool) -> None:
        """Replace the database by the backup in PATH (everything since the backup is lost)."""
        uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
        if not yes:
            click.confirm(
                f"Replace the database {db.engine.url.render_as_string(hide_password=True)} "
                f"with {path}? Everything written since that backup is lost.",
                abort=True,
            )
        # Our own pooled connections would hold the old file or tables open.
        db.session.remove()
        db.engine.dispose()
        try:
            restore_database(uri, path)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        db.engine.dispose()
        click.echo(f"Database restored from {path}.")
