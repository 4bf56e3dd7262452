"""The account page: data rights, consent, security settings."""

from flask import Blueprint, render_template
from flask_login import login_required

from portal.access import roles_required
from portal.models import Role

bp = Blueprint("privacy", __name__)


@bp.route("/")
@login_required
def account():
    """Show the account page."""
    return render_template("placeholder.html", title="Account")


@bp.route("/admin/retention")
@roles_required(Role.ADMIN)
def retention():
    """List inactive accounts."""
    return render_template("placeholder.html", title="Retention")
