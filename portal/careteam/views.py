"""Her contact details and care team: her own account page, her practitioner, the admin."""

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit, pages
from portal.access import client_record_for_practitioner, roles_required
from portal.careteam import phones, services, sharing
from portal.careteam.forms import (
    CARE_ROLE_LABELS,
    OUTCOME_LABELS,
    CareTeamMemberForm,
    ContactAttemptForm,
    ContactForm,
    PractitionerContactForm,
    PractitionerShareForm,
    RemoveMemberForm,
    RevokeShareForm,
    ShareForm,
    UrgentProtocolForm,
)
from portal.careteam.panels import with_members
from portal.extensions import db, limiter
from portal.models import Flag, Role, ShareLink, User
from portal.models.base import utcnow
from portal.reports.fhir import build_bundle
from portal.reports.pdf import download_filename, render_pdf
from portal.reports.referral import front_charts
from portal.reports.summary import REFERRAL, Period, build_summary, summary_charts
from portal.reports.views import fhir_response

bp = Blueprint("careteam", __name__)


@bp.app_template_filter("phone")
def phone_filter(e164: str | None) -> str:
    """Show a stored phone number as a Dutch reader writes it."""
    return phones.display(e164)


@bp.app_context_processor
def care_labels() -> dict:
    """Give templates the words for care roles and call outcomes, and the time (for links)."""
    return {
        "care_role_labels": CARE_ROLE_LABELS,
        "call_outcome_labels": OUTCOME_LABELS,
        "utcnow": utcnow,
    }


def _me() -> User:
    return current_user._get_current_object()


# Her own account page.


def _account_page(status: int, **bound):
    return pages.render(pages.ACCOUNT_PAGE, status, **bound)


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


def _client_page(client: User, status: int, **forms):
    return pages.render(pages.CLIENT_PAGE, client, status, open_section="contact", **forms)


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


# Share links: made by her or by her practitioner with her consent.


def _make_share(client: User, form: ShareForm):
    """Validate a posted share form and make the link; return it, or False if invalid."""
    members = services.care_team(client.id)
    with_members(form, members)
    if not form.validate_on_submit():
        return False
    member = services.member_of(client, form.member_id.data)
    try:
        share, _token = sharing.create_share(
            client, member, form.period_days.data, form.valid_days.data, _me(),
            reason=form.reason.data,
        )
    except sharing.ShareError as error:
        form.consent.errors = [*form.consent.errors, str(error)]
        return False
    return share


@bp.route("/account/shares", methods=["POST"])
@roles_required(Role.CLIENT)
def own_share():
    """Share her referral summary with a member of her care team."""
    form = ShareForm(prefix="share")
    share = _make_share(_me(), form)
    if not share:
        return _account_page(422, share_form=form)
    db.session.commit()
    flash(_("The link was sent to %(name)s. It stays open until %(date)s, unless you revoke it.",
            name=share.recipient_name, date=format_date(share.expires_at, "long")), "success")
    return redirect(url_for("privacy.account", _anchor="shares-heading"))


@bp.route("/account/shares/<int:share_id>/revoke", methods=["POST"])
@roles_required(Role.CLIENT)
def own_revoke_share(share_id: int):
    """Close one of her links at once."""
    share = sharing.share_of(_me(), share_id)
    if share is None:
        abort(404)
    if not RevokeShareForm(prefix="revoke").validate_on_submit():
        return _account_page(422)
    sharing.revoke(share, _me())
    db.session.commit()
    flash(_("The link to %(name)s no longer works.", name=share.recipient_name), "success")
    return redirect(url_for("privacy.account", _anchor="shares-heading"))


@bp.route("/practice/clients/<int:client_id>/shares", methods=["POST"])
def client_share(client_id: int):
    """Share a client's referral summary with her care team, after she consented."""
    client = client_record_for_practitioner(client_id)
    form = PractitionerShareForm(prefix="share")
    share = _make_share(client, form)
    if not share:
        return _client_page(client, 422, share_form=form)
    db.session.commit()
    flash(_("The link was sent to %(name)s.", name=share.recipient_name), "success")
    return _back_to_client(client, "contact")


@bp.route("/practice/clients/<int:client_id>/shares/<int:share_id>/revoke", methods=["POST"])
def client_revoke_share(client_id: int, share_id: int):
    """Close one of a client's links at once."""
    client = client_record_for_practitioner(client_id)
    share = sharing.share_of(client, share_id)
    if share is None:
        abort(404)
    if not RevokeShareForm(prefix="revoke").validate_on_submit():
        return _client_page(client, 422)
    sharing.revoke(share, _me())
    db.session.commit()
    flash(_("The link to %(name)s no longer works.", name=share.recipient_name), "success")
    return _back_to_client(client, "contact")


# The recipient's read-only pages: no account, the token is the key.


def _share_limit() -> str:
    return current_app.config["SHARE_LIMIT"]


def _not_found(response) -> bool:
    return response.status_code == 404


def _opens_a_share() -> bool:
    """Tell whether this request's token opens a share: such a request is never limited."""
    token = (request.view_args or {}).get("token")
    return bool(token) and sharing.share_for_token(token) is not None


# One budget per address for the page, the PDF and the FHIR route together, spent only by
# lookups that find nothing (token guessing); a working link is exempt, so it never sees 429.
recipient_page = limiter.shared_limit(
    _share_limit, scope="share-links", deduct_when=_not_found, exempt_when=_opens_a_share
)


@bp.after_app_request
def recipient_headers(response):
    """Mark every share-link answer no-store, noindex and no-referrer, found or not.

    Runs after flask-talisman's headers (blueprints are registered first, and Flask runs
    after-request functions last-registered first), so its site-wide Referrer-Policy yields:
    the token in the address must never travel in a Referer header.
    """
    if request.endpoint and request.endpoint.startswith("careteam.shared_"):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _share_or_404(token: str) -> ShareLink:
    share = sharing.share_for_token(token)
    if share is None:
        abort(404)
    return share


def _sender(share: ShareLink) -> User | None:
    """Return who the referral names as its sender: the practitioner who shared, else hers."""
    if share.consent_recorded_by_practitioner and share.created_by_id:
        creator = db.session.get(User, share.created_by_id)
        if creator is not None:
            return creator
    return share.client.profile.practitioner if share.client.profile else None


def _referral(share: ShareLink):
    return build_summary(
        share.client,
        share.period_start,
        share.period_end,
        audience=REFERRAL,
        locale=str(get_locale()),
        sender=_sender(share),
        reason=share.reason,
        include_contact=share.consent_version in sharing.CONSENT_VERSIONS_WITH_CONTACT,
    )


@bp.route("/s/<token>")
@recipient_page
def shared_summary(token: str):
    """Show the referral summary a link opens, read-only."""
    share = _share_or_404(token)
    summary = _referral(share)
    sharing.record_opening(share, "page")
    html = render_template(
        "careteam/shared.html",
        share=share,
        token=token,
        summary=summary,
        shared_by=summary.sender.name if summary.sender else "",
        charts=summary_charts(summary),
        front_charts=front_charts(summary),
    )
    db.session.commit()
    return html


@bp.route("/s/<token>/summary.pdf")
@recipient_page
def shared_pdf(token: str):
    """Download the referral summary a link opens, as PDF."""
    share = _share_or_404(token)
    summary = _referral(share)
    pdf = render_pdf(summary)
    sharing.record_opening(share, "pdf")
    db.session.commit()
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=download_filename(summary), etag=False, conditional=False)


@bp.route("/s/<token>/fhir.json")
@recipient_page
def shared_fhir(token: str):
    """Download the period a link opens as a FHIR R4 Bundle (JSON)."""
    share = _share_or_404(token)
    bundle = build_bundle(share.client, Period(share.period_start, share.period_end))
    sharing.record_opening(share, "fhir")
    db.session.commit()
    return fhir_response(bundle, f"fhir-{share.period_start}-{share.period_end}.json")
