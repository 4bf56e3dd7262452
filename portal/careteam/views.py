"""Her contact details and care team: her own account page, her practitioner, the admin."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.access import client_record_for_practitioner, roles_required
from portal.careteam import phones, services
from portal.careteam.forms import (
    CARE_ROLE_LABELS,
    OUTCOME_LABELS,
    CareTeamMemberForm,
    ContactAttemptForm,
    ContactForm,
    PractitionerContactForm,
    RemoveMemberForm,
    UrgentProtocolForm,
)
from portal.extensions import db
from portal.models import Flag, Role, User

bp = Blueprint("careteam", __name__)


@bp.app_template_filter("phone")
def phone_filter(e164: str | None) -> str:
    """Show a stored phone number as a Dutch reader writes it."""
    return phones.display(e164)


@bp.app_context_processor
def care_labels() -> dict:
    """Give templates the words for care roles and call outcomes."""
    return {"care_role_labels": CARE_ROLE_LABELS, "call_outcome_labels": OUTCOME_LABELS}


def _me() -> User:
    return current_user._get_current_object()


# Her own account page.


def account_forms(client: User) -> dict:
    """Build the account page's contact and care-team forms, unbound."""
    return {
        "contact_form": ContactForm(formdata=None, obj=client.profile, prefix="contact"),
        "member_form": CareTeamMemberForm(formdata=None, prefix="member"),
        "remove_member_form": RemoveMemberForm(formdata=None, prefix="remove"),
        "care_team": services.care_team(client.id),
    }


def _account_page(status: int, **bound):
    # Imported here: the account page is the privacy blueprint's, which imports this module.
    from portal.privacy.views import _account_page as render_account

    return render_account(status, **bound)


@bp.route("/account/contact", methods=["POST"])
@roles_required(Role.CLIENT)
def own_contact():
    """Save her phone number and emergency contact."""
    form = ContactForm(prefix="contact")
    if not form.validate_on_submit():
        return _account_page(422, contact_form=form)
    if services.update_contact(_me(), form.values(), _me()):
        flash(_("Your contact details are saved."), "success")
    db.session.commit()
    return redirect(url_for("privacy.account", _anchor="contact-heading"))


@bp.route("/account/care-team", methods=["POST"])
@roles_required(Role.CLIENT)
def own_add_member():
    """Add a professional to her own care team."""
    form = CareTeamMemberForm(prefix="member")
    if not form.validate_on_submit():
        return _account_page(422, member_form=form)
    member = services.add_member(_me(), form.values(), _me())
    db.session.commit()
    flash(_("%(name)s is now on your care team.", name=member.name), "success")
    return redirect(url_for("privacy.account", _anchor="care-team-heading"))


@bp.route("/account/care-team/<int:member_id>/remove", methods=["POST"])
@roles_required(Role.CLIENT)
def own_remove_member(member_id: int):
    """Take a professional off her own care team."""
    member = services.member_of(_me(), member_id)
    if member is None:
        abort(404)
    form = RemoveMemberForm(prefix="remove")
    if not form.validate_on_submit():
        return _account_page(422, remove_member_form=form)
    services.remove_member(_me(), member, _me())
    db.session.commit()
    flash(_("%(name)s is no longer on your care team.", name=member.name), "success")
    return redirect(url_for("privacy.account", _anchor="care-team-heading"))


# Her practitioner, on the client page.


def client_page_context(client: User, flags: list[Flag], forms: dict) -> dict:
    """Return what the practitioner's client page needs for contact details and calls."""
    panel = services.contact_panel(client, [flag.id for flag in flags])
    choices = services.callee_choices(client, panel.members)
    attempt_forms = {}
    for flag in (flag for flag in flags if flag.is_open and flag.level == "urgent"):
        form = forms.get("attempt_forms", {}).get(flag.id) or ContactAttemptForm(
            formdata=None, prefix=f"call-{flag.id}"
        )
        form.callee.choices = choices
        attempt_forms[flag.id] = form
    return {
        "contact": panel,
        "contact_form": forms.get("contact_form")
        or PractitionerContactForm(formdata=None, obj=client.profile, prefix="contact"),
        "member_form": forms.get("member_form") or CareTeamMemberForm(formdata=None,
                                                                     prefix="member"),
        "remove_member_form": RemoveMemberForm(formdata=None, prefix="remove"),
        "attempt_forms": attempt_forms,
    }


def _client_page(client: User, status: int, **forms):
    from portal.practice.views import _render_client_page

    return _render_client_page(client, status, open_section="contact", **forms)


def _back_to_client(client: User, anchor: str):
    return redirect(url_for("practice.client_page", client_id=client.id, _anchor=anchor))


@bp.route("/practice/clients/<int:client_id>/contact", methods=["POST"])
def client_contact(client_id: int):
    """Save a client's phone number and emergency contact for her."""
    client = client_record_for_practitioner(client_id)
    form = PractitionerContactForm(prefix="contact")
    if not form.validate_on_submit():
        return _client_page(client, 422, contact_form=form)
    if services.update_contact(client, form.values(), _me()):
        flash(_("Her contact details are saved."), "success")
    db.session.commit()
    return _back_to_client(client, "contact")


@bp.route("/practice/clients/<int:client_id>/care-team", methods=["POST"])
def client_add_member(client_id: int):
    """Add a professional to a client's care team."""
    client = client_record_for_practitioner(client_id)
    form = CareTeamMemberForm(prefix="member")
    if not form.validate_on_submit():
        return _client_page(client, 422, member_form=form)
    member = services.add_member(client, form.values(), _me())
    db.session.commit()
    flash(_("%(name)s is now on her care team.", name=member.name), "success")
    return _back_to_client(client, "contact")


@bp.route("/practice/clients/<int:client_id>/care-team/<int:member_id>/remove",
          methods=["POST"])
def client_remove_member(client_id: int, member_id: int):
    """Take a professional off a client's care team."""
    client = client_record_for_practitioner(client_id)
    member = services.member_of(client, member_id)
    if member is None:
        abort(404)
    form = RemoveMemberForm(prefix="remove")
    if not form.validate_on_submit():
        return _client_page(client, 422)
    services.remove_member(client, member, _me())
    db.session.commit()
    flash(_("%(name)s is no longer on her care team.", name=member.name), "success")
    return _back_to_client(client, "contact")


@bp.route("/practice/flags/<int:flag_id>/calls", methods=["POST"])
def record_call(flag_id: int):
    """Log a call made about a client's flag: whom, the outcome, a short note."""
    flag = db.session.get(Flag, flag_id)
    if flag is None:
        abort(404)
    client = client_record_for_practitioner(flag.client_id)
    form = ContactAttemptForm(prefix=f"call-{flag.id}")
    choices = services.callee_choices(client, services.care_team(client.id))
    form.callee.choices = choices
    if not form.validate_on_submit():
        return _client_page(client, 422, attempt_forms={flag.id: form})
    services.record_contact_attempt(flag, _me(), form.callee.data, form.outcome.data,
                                    form.note.data, choices)
    db.session.commit()
    flash(_("The call was logged."), "success")
    return _back_to_client(client, f"flag-{flag.id}")


# The admin.


def _admin_client(user_id: int) -> User:
    client = db.session.get(User, user_id)
    if client is None or not client.is_client or client.profile is None:
        abort(404)
    return client


@bp.route("/admin/users/<int:user_id>/contact", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_contact(user_id: int):
    """Let the admin correct a client's phone number and emergency contact."""
    client = _admin_client(user_id)
    posted = request.method == "POST"
    form = PractitionerContactForm(formdata=None if not posted else request.form,
                                   obj=client.profile, prefix="contact")
    if form.validate_on_submit():
        if services.update_contact(client, form.values(), _me()):
            flash(_("Her contact details are saved."), "success")
        db.session.commit()
        return redirect(url_for("admin.edit_user", user_id=client.id))
    audit.record("contact_details_viewed", client=client)
    db.session.commit()
    return render_template("careteam/admin_contact.html", client=client, form=form), (
        422 if posted else 200
    )


@bp.route("/admin/urgent-protocol", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def urgent_protocol():
    """Set the practice's protocol for urgent flags, shown beside every urgent flag."""
    posted = request.method == "POST"
    form = UrgentProtocolForm(formdata=None if not posted else request.form,
                              data={"text": services.urgent_protocol() or ""})
    if form.validate_on_submit():
        services.set_urgent_protocol(form.text.data, _me())
        db.session.commit()
        flash(_("The protocol for urgent flags is saved."), "success")
        return redirect(url_for("careteam.urgent_protocol"))
    return render_template("careteam/urgent_protocol.html", form=form), 422 if posted else 200
