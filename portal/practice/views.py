"""The practitioner's dashboard of assigned clients."""

from flask import Blueprint, render_template
from flask_login import current_user

from portal.access import practitioner_clients_query, roles_required
from portal.extensions import db
from portal.models import Role, User

bp = Blueprint("practice", __name__)


@bp.before_request
@roles_required(Role.PRACTITIONER)
def require_practitioner():
    """Practice pages are for practitioners only."""
    return None


@bp.route("/")
def dashboard():
    """List the practitioner's own clients."""
    clients = db.session.scalars(
        practitioner_clients_query(current_user).order_by(User.full_name)
    ).all()
    return render_template("practice/dashboard.html", clients=clients)
