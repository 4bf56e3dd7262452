"""Questionnaires: fill, results, history; the admin's instruments page."""

from flask import Blueprint, render_template

from portal.access import roles_required
from portal.models import Role

bp = Blueprint("questionnaires", __name__)


@bp.route("/")
@roles_required(Role.CLIENT)
def index():
    """List the questionnaires."""
    return render_template("placeholder.html", title="Questionnaires")


@bp.route("/admin/instruments")
@roles_required(Role.ADMIN)
def admin_instruments():
    """Install licensed wording."""
    return render_template("placeholder.html", title="Instruments")
