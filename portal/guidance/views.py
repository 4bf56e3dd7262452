"""Guidance modules and lessons."""

from flask import Blueprint, render_template

from portal.access import roles_required
from portal.models import Role

bp = Blueprint("guidance", __name__)


@bp.route("/")
@roles_required(Role.CLIENT)
def index():
    """List the modules."""
    return render_template("placeholder.html", title="Guidance")


@bp.route("/admin/")
@roles_required(Role.ADMIN)
def admin_index():
    """Edit modules."""
    return render_template("placeholder.html", title="Guidance content")
