"""`flask instruments install FILE`: install a practice's licensed questionnaire wording."""

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.questionnaires.instruments import (
    MAX_DEFINITION_BYTES,
    UnreadableDefinition,
    read_licensed_definition,
)
from portal.questionnaires.services import install_licensed

instruments_cli = AppGroup("instruments", help="Manage questionnaire wording.")


@instruments_cli.command("install")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def install(path: str) -> None:
    """Install licensed wording from a JSON definition file (validated against the scale)."""
    try:
        with open(path, "rb") as handle:
            definition = read_licensed_definition(handle.read(MAX_DEFINITION_BYTES + 1))
    except (OSError, UnreadableDefinition) as error:
        raise click.ClickException(f"cannot read {path}: {error}") from error
    errors = install_licensed(str(definition.get("instrument", "")), definition, None)
    if errors:
        db.session.rollback()
        raise click.ClickException("refused, nothing changed:\n- " + "\n- ".join(errors))
    db.session.commit()
    click.echo(f"Installed {definition['instrument']} wording for {definition['locale']}.")
