"""The admin's access log."""

from flask import Blueprint, render_template

from portal.access import roles_required
from portal.models import Role

bp = Blueprint("auditlog", __name__)


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    """Show the access log."""
    return render_template("placeholder.html", title="Access log")
