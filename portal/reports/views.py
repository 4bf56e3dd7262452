"""Progress pages and PDF summaries."""

from flask import Blueprint, render_template

from portal.access import roles_required
from portal.models import Role

bp = Blueprint("reports", __name__)


@bp.route("/me")
@roles_required(Role.CLIENT)
def progress():
    """Show the client's progress."""
    return render_template("placeholder.html", title="Progress")
