"""`flask instruments ...`: install a practice's licensed questionnaire wording."""

from flask.cli import AppGroup

instruments_cli = AppGroup("instruments", help="Manage questionnaire wording.")
