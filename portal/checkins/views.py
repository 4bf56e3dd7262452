"""The client's home page: today's check-in."""

from flask import Blueprint, render_template

from portal.access import roles_required
from portal.models import Role

bp = Blueprint("checkins", __name__)


@bp.before_request
@roles_required(Role.CLIENT)
def require_client():
    """Check-in pages are for clients only."""
    return None


@bp.route("/")
def today():
    """Show today's check-in."""
    return render_template("checkins/today.html")


@bp.route("/history")
def history():
    """Show the check-in history."""
    return render_template("placeholder.html", title="History")
