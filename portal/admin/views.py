"""Admin pages: accounts and invitations, enquiries, and the open urgent flags."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import audit, outbox
from portal.access import roles_required
from portal.admin import services
from portal.admin.forms import (
    EditUserForm,
    EnquiryInviteForm,
    InviteForm,
    ReassignClientForm,
    ResetTwoFactorForm,
)
from portal.auth import services as auth_services
from portal.extensions import db
from portal.models import Enquiry, Invitation, OutboxMessage, Role, User
from portal.public.forms import ENQUIRY_KIND_LABELS

bp = Blueprint("admin", __name__)


@bp.before_request
@roles_required(Role.ADMIN)
def require_admin():
    """Every admin page is for admins only."""
    return None


@bp.route("/")
def index():
    """List the accounts, open invitations and new enquiries."""
    return render_template(
        "admin/index.html",
        users=services.users_by_role(),
        invitations=services.open_invitations(),
        now=datetime.now(UTC),
        new_enquiries=sum(1 for e in services.recent_enquiries() if e.handled_at is None),
        mail=outbox.stats(),
        urgent_count=services.open_urgent_count(),
    )


@bp.route("/flags")
def urgent_flags():
    """List the open urgent flags (and clients nobody can see) so she can hand them on."""
    return _render_urgent_flags()


def _render_urgent_flags(failed: tuple[int, ReassignClientForm] | None = None, status: int = 200):
    hours = current_app.config["URGENT_ESCALATION_HOURS"]
    choices = services.practitioner_choices()
    html = render_template(
        "admin/urgent_flags.html",
        flags=services.open_urgent_flags(datetime.now(UTC), hours),
        unassigned=services.unassigned_clients_with_flags(),
        practitioners=choices[1:],
        hours=hours,
        failed_client_id=failed[0] if failed else None,
        failed_form=failed[1] if failed else None,
    )
    # The page names clients with urgent flags: the look is logged like a look at a record.
    audit.record("urgent_flags_viewed")
    db.session.commit()
    return html, status


@bp.route("/flags/clients/<int:client_id>/practitioner", methods=["POST"])
def reassign_client(client_id: int):
    """Hand a client to another (active) practitioner, who is told of her urgent flags."""
    client = db.get_or_404(User, client_id)
    if not client.is_client or client.profile is None:
        abort(404)
    form = ReassignClientForm()
    form.practitioner_id.choices = services.practitioner_choices()
    if form.validate_on_submit():
        practitioner = db.session.get(User, form.practitioner_id.data)
        services.assign_practitioner(client, practitioner)
        db.session.commit()
        flash(
            _(
                "%(client)s is now a client of %(name)s, who was told about her urgent flags.",
                client=client.full_name,
                name=practitioner.full_name,
            ),
            "success",
        )
        return redirect(url_for("admin.urgent_flags"))
    db.session.rollback()
    return _render_urgent_flags((client.id, form), 422)


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    """Invite a practitioner, client or admin by e-mail."""
    form = InviteForm()
    form.practitioner_id.choices = services.practitioner_choices()
    if form.validate_on_submit():
        practitioner = None
        if form.role.data == "client":
            practitioner = db.session.get(User, form.practitioner_id.data)
        invitation, token = auth_services.create_invitation(
            form.email.data,
            form.full_name.data,
            form.role.data,
            current_user,
            practitioner=practitioner,
            locale=form.locale.data,
        )
        auth_services.send_invitation(invitation, token)
        audit.record("invitation_sent", detail=f"{invitation.role} {invitation.email}")
        db.session.commit()
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
        return redirect(url_for("admin.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/invite.html", form=form), status


@bp.route("/invitations/<int:invitation_id>/resend", methods=["POST"])
def resend_invitation(invitation_id: int):
    """Send a fresh link for an invitation that was not used yet."""
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.accepted_at is not None:
        flash(_("This invitation was already used."), "error")
        return redirect(url_for("admin.index"))
    token = auth_services.resend_invitation(invitation)
    auth_services.send_invitation(invitation, token)
    audit.record("invitation_resent", detail=invitation.email)
    db.session.commit()
    flash(_("A new invitation was sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("admin.index"))


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
def revoke_invitation(invitation_id: int):
    """Cancel an invitation so its link stops working."""
    invitation = db.get_or_404(Invitation, invitation_id)
    if invitation.accepted_at is None:
        invitation.revoked_at = datetime.now(UTC)
        audit.record("invitation_revoked", detail=invitation.email)
        db.session.commit()
        flash(_("The invitation was cancelled."), "info")
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Assign a client's practitioner, or (de)activate an account."""
    user = db.get_or_404(User, user_id)
    form = _edit_user_form(user, filled=request.method == "GET")
    if form.validate_on_submit():
        if user.id == current_user.id and not form.active.data:
            flash(_("You cannot deactivate your own account."), "error")
            return _render_edit_user(user, form, status=422)
        practitioner_id = form.practitioner_id.data or None
        if practitioner_id is not None:
            chosen = db.session.get(User, practitioner_id)
            if chosen is None or not chosen.is_practitioner:
                abort(400)
        if user.is_practitioner and user.active and not form.active.data:
            clients = len(services.clients_of(user))
            if clients and not form.handover_id.data:
                form.handover_id.errors.append(
                    ngettext(
                        "%(name)s still has %(num)d client. Choose a practitioner to hand "
                        "her to, or assign her to someone else first.",
                        "%(name)s still has %(num)d clients. Choose a practitioner to hand "
                        "them to, or assign them to someone else first.",
                        clients,
                        name=user.full_name,
                    )
                )
                return _render_edit_user(user, form, status=422)
            if clients:
                services.hand_over_clients(user, db.session.get(User, form.handover_id.data))
        services.update_user(user, active=form.active.data, practitioner_id=practitioner_id)
        db.session.commit()
        flash(_("The changes were saved."), "success")
        return redirect(url_for("admin.index"))
    return _render_edit_user(user, form, status=422 if request.method == "POST" else 200)


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
def reset_two_factor(user_id: int):
    """Switch off someone's two-step sign-in after she lost her phone and recovery codes."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("Change your own two-step sign-in on your account page."), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    if not user.totp_enabled:
        flash(_("Two-step sign-in is not switched on for this account."), "info")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    reset_form = ResetTwoFactorForm()
    if not reset_form.validate_on_submit():
        form = _edit_user_form(user, filled=True)
        return _render_edit_user(user, form, reset_form, status=422)
    services.reset_two_factor(user)
    db.session.commit()
    flash(
        _("Two-step sign-in was reset and %(name)s was signed out.", name=user.full_name),
        "success",
    )
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _edit_user_form(user: User, *, filled: bool) -> EditUserForm:
    """The account form; filled with what the account holds now, or else from the request."""
    form = EditUserForm(formdata=None) if filled else EditUserForm()
    choices = services.practitioner_choices()
    current = user.profile.practitioner if user.profile is not None else None
    if current is not None and not current.active:
        # Listed so that saving the page keeps her practitioner instead of silently dropping
        # it; the page says the account is deactivated.
        choices.append((current.id, _("%(name)s (deactivated)", name=current.full_name)))
    form.practitioner_id.choices = choices
    # Only active colleagues can take a practitioner's clients over.
    form.handover_id.choices = [
        (id_, name) for id_, name in services.practitioner_choices() if id_ != user.id
    ]
    if filled:
        form.active.data = user.active
        if user.profile is not None:
            form.practitioner_id.data = user.profile.practitioner_id or 0
    return form


def _render_edit_user(user: User, form: EditUserForm, reset_form=None, *, status: int):
    profile = user.profile
    return render_template(
        "admin/edit_user.html",
        form=form,
        reset_form=reset_form or ResetTwoFactorForm(formdata=None),
        user=user,
        client_count=len(services.clients_of(user)) if user.is_practitioner else 0,
        practitioner_inactive=bool(
            profile and profile.practitioner and not profile.practitioner.active
        ),
    ), status


@bp.route("/enquiries")
def enquiries():
    """Read the questions and registration requests from the public contact form."""
    return _render_enquiries()


def _render_enquiries(failed: tuple[int, EnquiryInviteForm] | None = None, status: int = 200):
    choices = [(0, "—")] + services.practitioner_choices()
    forms = {}
    enquiries = services.recent_enquiries()
    # Whoever accepted the invitation of an enquiry can be booked an intake appointment.
    wanting = {e.email.lower() for e in enquiries if e.kind in INVITABLE_ENQUIRIES}
    clients = dict(db.session.execute(
        sa.select(sa.func.lower(User.email), User.id)
        .where(sa.func.lower(User.email).in_(wanting), User.role == Role.CLIENT.value)
    ).all()) if wanting else {}
    for enquiry in enquiries:
        if enquiry.kind in INVITABLE_ENQUIRIES and enquiry.handled_at is None:
            form = EnquiryInviteForm(formdata=None, prefix=f"enquiry-{enquiry.id}")
            if failed and failed[0] == enquiry.id:
                form = failed[1]
            form.practitioner_id.choices = choices
            forms[enquiry.id] = form
    return render_template("admin/enquiries.html", enquiries=enquiries, invite_forms=forms,
                           clients=clients, kind_labels=ENQUIRY_KIND_LABELS), status


# A "register" or "make an appointment" enquiry comes from someone who wants to be a client.
INVITABLE_ENQUIRIES = ("register", "appointment")


@bp.route("/enquiries/<int:enquiry_id>/invite", methods=["POST"])
def invite_from_enquiry(enquiry_id: int):
    """Invite the person of an enquiry as a client in one click: name, e-mail and language kept."""
    enquiry = db.get_or_404(Enquiry, enquiry_id)
    form = EnquiryInviteForm(prefix=f"enquiry-{enquiry.id}")
    form.practitioner_id.choices = [(0, "—")] + services.practitioner_choices()
    if not form.validate_on_submit():
        return _render_enquiries((enquiry.id, form), 422)
    if enquiry.kind not in INVITABLE_ENQUIRIES or enquiry.handled_at is not None:
        flash(_("This enquiry was already handled."), "error")
        return redirect(url_for("admin.enquiries"), 303)
    if auth_services.find_user_by_email(enquiry.email) is not None:
        form.practitioner_id.errors = [
            _("There is already an account with this e-mail address.")]
        return _render_enquiries((enquiry.id, form), 422)
    practitioner = db.session.get(User, form.practitioner_id.data)
    invitation, token = auth_services.create_invitation(
        enquiry.email, enquiry.name, Role.CLIENT, current_user, practitioner=practitioner,
        locale=enquiry.locale if enquiry.locale in current_app.config["LANGUAGES"] else "nl",
    )
    auth_services.send_invitation(invitation, token)
    enquiry.handled_at = datetime.now(UTC)
    audit.record("invitation_sent", detail=f"client {invitation.email} (enquiry {enquiry.id})")
    db.session.commit()
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("admin.enquiries"), 303)


@bp.route("/enquiries/<int:enquiry_id>/handled", methods=["POST"])
def mark_enquiry_handled(enquiry_id: int):
    """Mark an enquiry as answered."""
    enquiry = db.get_or_404(Enquiry, enquiry_id)
    enquiry.handled_at = enquiry.handled_at or datetime.now(UTC)
    db.session.commit()
    return redirect(url_for("admin.enquiries"))


@bp.route("/outbox")
def outbox_page():
    """Show the outgoing mail: counts, the oldest wait, recent failures; never a body."""
    failing = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0)
        .order_by(OutboxMessage.created_at.desc())
        .limit(50)
    ).all()
    return render_template(
        "admin/outbox.html", mail=outbox.stats(), failing=failing, now=datetime.now(UTC)
    )


@bp.route("/outbox/retry-dead", methods=["POST"])
def outbox_retry_dead():
    """Give every dead message a fresh day of attempts (after the mail server is fixed)."""
    count = outbox.retry_dead()
    audit.record("outbox_retry_dead", detail=str(count))
    db.session.commit()
    flash(
        ngettext(
            "%(num)d message will be sent again.", "%(num)d messages will be sent again.", count
        ),
        "success",
    )
    return redirect(url_for("admin.outbox_page"))
