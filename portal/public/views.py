"""Public pages: welcome, contact form for prospective clients, help now, and about."""

from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import assets
from portal.auth.services import home_endpoint
from portal.extensions import db, limiter
from portal.links import absolute_url
from portal.mail import send_mail
from portal.models import Enquiry, Role, User
from portal.public.forms import ENQUIRY_KINDS, EnquiryForm

bp = Blueprint("public", __name__)


@bp.route("/")
def index():
    """Send signed-in people home; show everyone else the practice's welcome page."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return render_template("public/index.html")


@bp.route("/help")
def help_now():
    """Who to call now: always one tap away, for everyone, signed in or not."""
    return render_template("public/help.html")


@bp.route("/offline")
def offline():
    """Say her answers are kept on this phone: what the service worker shows for a failed send.

    Kept by the service worker in both languages, like the help page, and shown when a form
    could not be sent. It is not the crisis page: the help numbers are a section below.
    """
    return render_template("public/offline.html")


@bp.route("/sw.js")
def service_worker():
    """Serve the service worker from the root, so it may keep the help page for offline use."""
    source = (Path(current_app.static_folder) / "js" / "sw.js").read_text(encoding="utf-8")
    # It precaches the files under the fingerprinted names the pages ask for (portal/assets.py),
    # and its text changes with theirs, so a phone picks up the new files with the new worker.
    response = current_app.response_class(
        assets.fingerprint_literals(source), mimetype="text/javascript"
    )
    response.headers["Cache-Control"] = "no-cache"  # a new version is picked up at once
    return response


@bp.route("/about")
def about():
    """Say what the portal is for and what it is not: its intended purpose, for everyone."""
    return render_template("public/about.html")


def _enquiry_limit() -> str:
    return current_app.config["ENQUIRY_LIMIT"]


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit(_enquiry_limit, methods=["POST"])
def contact():
    """Let a prospective client ask a question or ask to register; no account is created."""
    form = EnquiryForm()
    if form.validate_on_submit():
        enquiry = Enquiry(
            kind=form.kind.data,
            name=form.name.data.strip(),
            email=form.email.data.strip(),
            phone=(form.phone.data or "").strip() or None,
            message=form.message.data.strip(),
            locale=str(get_locale()),
        )
        db.session.add(enquiry)
        db.session.flush()
        _notify_admins(enquiry)
        db.session.commit()
        flash(
            _("Thank you. Your message has reached the practice; we will contact you soon."),
            "success",
        )
        return redirect(url_for("public.contact"))
    status = 422 if request.method == "POST" else 200
    return render_template("public/contact.html", form=form), status


def _notify_admins(enquiry: Enquiry) -> None:
    recipients = current_app.config.get("ADMIN_NOTIFY_EMAIL")
    to = (
        [recipients]
        if recipients
        else list(
            db.session.scalars(
                sa.select(User.email).where(User.role == Role.ADMIN.value, User.active.is_(True))
            )
        )
    )
    body = render_template(
        "emails/enquiry.txt",
        enquiry=enquiry,
        kind=ENQUIRY_KINDS[enquiry.kind],
        link=absolute_url("admin.enquiries"),
    )
    subject = _("New enquiry via the portal: %(kind)s", kind=ENQUIRY_KINDS[enquiry.kind])
    send_mail(to, subject, body, kind="enquiry")
