"""The account page (sign-in settings, data rights, consent, access log) and the admin's reviews."""

import io
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from portal import audit, pages
from portal.access import roles_required
from portal.auditlog.entries import access_log_for_client
from portal.auth import sessions, twofactor
from portal.auth.consent import consent_text
from portal.careteam.panels import account_forms
from portal.checkins.forms import reminder_form_for
from portal.extensions import db, limiter
from portal.messages import services as messages
from portal.messages.forms import MessageSettingsForm
from portal.models import ErasureRequest, Role, User
from portal.privacy import export, services
from portal.privacy.erasure import ErasureError, clear_old_copies, erase_client
from portal.privacy.forms import (
    ConsentGiveForm,
    ConsentWithdrawForm,
    EmailChangeForm,
    EmailConfirmForm,
    ErasureDecisionForm,
    ErasureRequestForm,
    ExportForm,
    PasswordChangeForm,
    SignOutForm,
)

bp = Blueprint("privacy", __name__)

ACCESS_LOG_ROWS = 50


def _reauth_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _account_key() -> str:
    # Per account as well as per address: a stolen session cannot guess the password quickly.
    return f"reauth:{current_user.id if current_user.is_authenticated else '-'}"


def reauth_limited(view):
    """Rate-limit a form that checks the current password, like the sign-in form."""
    view = limiter.limit(_reauth_limit, methods=["POST"], key_func=_account_key)(view)
    return limiter.limit(_reauth_limit, methods=["POST"])(view)


def _user() -> User:
    return current_user._get_current_object()


def _forms(user: User) -> dict:
    """Build every form of the account page, unbound, each with its own prefix."""
    forms = {
        "password_form": PasswordChangeForm(prefix="password"),
        "email_form": EmailChangeForm(prefix="email"),
        "sign_out_form": SignOutForm(formdata=None),
        "message_settings_form": MessageSettingsForm(
            formdata=None, obj=messages.settings_for(user)
        ),
    }
    if user.is_client:
        forms.update(
            export_form=ExportForm(prefix="export"),
            erasure_form=ErasureRequestForm(prefix="erasure"),
            withdraw_form=ConsentWithdrawForm(prefix="withdraw"),
            give_form=ConsentGiveForm(prefix="consent"),
            **account_forms(user),
            reminder_form=reminder_form_for(user, back_to="account"),
        )
    return forms


def _account_page(status: int = 200, **bound):
    """Render the account page; a form that failed is passed in with its errors."""
    user = _user()
    forms = _forms(user)
    forms.update(bound)
    context = {
        "user": user,
        "two_factor_required": twofactor.enrolment_required(user),
        "recovery_codes_left": twofactor.unused_recovery_codes(user) if user.totp_enabled else 0,
        "pending_email": services.pending_email_change(user),
        "devices": sessions.live_sessions(user),
        "this_device": sessions.current_session(),
    }
    if user.is_client:
        context.update(
            consent=services.current_consent(user),
            consent_text=consent_text(user.role),
            consent_version=current_app.config["CONSENT_VERSION"],
            erasure=services.latest_erasure_request(user),
            access_log=access_log_for_client(user, limit=ACCESS_LOG_ROWS),
            access_log_rows=ACCESS_LOG_ROWS,
        )
        audit.record("own_account_viewed", client=user)
        db.session.commit()
    return render_template("privacy/account.html", **context, **forms), status


pages.register(pages.ACCOUNT_PAGE, _account_page)


@bp.route("/")
@login_required
def account():
    """Show the account page: sign-in settings and, for a client, her data rights."""
    return _account_page()


@bp.route("/password", methods=["POST"])
@login_required
@reauth_limited
def change_password():
    """Change the password; every other session ends, this one goes on."""
    user = _user()
    form = PasswordChangeForm(prefix="password")
    form.account_email = user.email
    form.account_password_hash = user.password_hash
    if form.validate_on_submit():
        services.change_password(user, form.password.data, keep=sessions.current_session())
        db.session.commit()
        flash(_("Your password is changed. Other devices are signed out."), "success")
        return redirect(url_for("privacy.account"))
    return _account_page(422, password_form=form)


@bp.route("/sessions/<int:session_id>/sign-out", methods=["POST"])
@login_required
def sign_out_device(session_id: int):
    """Sign out one of her devices (this one included) from her list of devices."""
    user = _user()
    row = sessions.session_of(user, session_id)
    if row is None:
        abort(404)
    if not SignOutForm().validate_on_submit():
        abort(400)
    this_device = sessions.current_session()
    sessions.revoke_session(row)
    audit.record("session_revoked", actor=user, detail=_device_label(row))
    db.session.commit()
    if this_device is not None and row.id == this_device.id:
        return _signed_out()
    flash(_("That device is signed out."), "success")
    return redirect(url_for("privacy.account"))


@bp.route("/sessions/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    """Sign out every device of hers, this one too."""
    user = _user()
    if not SignOutForm().validate_on_submit():
        abort(400)
    ended = sessions.revoke_sessions(user)
    audit.record("sessions_revoked", actor=user, detail=f"{ended} sessions")
    db.session.commit()
    return _signed_out()


def _device_label(row) -> str:
    return " / ".join(part for part in (row.browser, row.system, row.ip_address) if part)


def _signed_out():
    logout_user()
    session.clear()
    flash(_("You are signed out. Take care."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/email", methods=["POST"])
@login_required
@reauth_limited
def change_email():
    """Change the sign-in e-mail address after a fresh password check."""
    user = _user()
    form = EmailChangeForm(prefix="email")
    form.account_email = user.email
    form.account_password_hash = user.password_hash
    if form.validate_on_submit():
        change = services.request_email_change(user, form.new_email.data)
        db.session.commit()
        flash(
            _(
                "We sent a link to %(address)s. Open it to start using that address; until then"
                " you sign in with your current one.",
                address=change.new_email,
            ),
            "success",
        )
        return redirect(url_for("privacy.account"))
    return _account_page(422, email_form=form)


@bp.route("/messages", methods=["POST"])
@login_required
def message_settings():
    """Save the message settings: e-mail notices, and for staff the digest and absence."""
    user = _user()
    form = MessageSettingsForm()
    # Only the fields this person is shown count (a client has no digest, only a practitioner
    # is ever away).
    if user.is_client:
        del form.digest
    if not user.is_practitioner:
        del form.away_until
    if form.validate_on_submit():
        messages.save_settings(
            user,
            notices=bool(form.notices.data),
            digest=form.digest.data if "digest" in form else None,
            away_until=form.away_until.data if "away_until" in form else None,
        )
        db.session.commit()
        flash(_("Your message settings are saved."), "success")
        return redirect(url_for("privacy.account", _anchor="messages-heading"))
    return _account_page(422, message_settings_form=form)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Confirm a new sign-in address from the link sent to it (signed in or not)."""
    change = services.email_change_for_token(token)
    if change is None:
        return render_template("privacy/confirm_email_invalid.html"), 410
    form = EmailConfirmForm()
    if form.validate_on_submit():
        if not services.confirm_email_change(change):
            db.session.rollback()
            flash(_("This address cannot be used. Please choose another one."), "error")
            return render_template("privacy/confirm_email.html", change=change, form=form), 409
        db.session.commit()
        flash(_("Your e-mail address is changed. Use the new one to sign in."), "success")
        target = "privacy.account" if current_user.is_authenticated else "auth.login"
        return redirect(url_for(target))
    return render_template("privacy/confirm_email.html", change=change, form=form)


@bp.route("/export", methods=["POST"])
@roles_required(Role.CLIENT)
@reauth_limited
def export_data():
    """Download all her data as a ZIP after she entered her password again."""
    user = _user()
    form = ExportForm(prefix="export")
    form.account_password_hash = user.password_hash
    if not form.validate_on_submit():
        return _account_page(422, export_form=form)
    archive = export.build_zip(user)
    audit.record("data_exported", client=user)
    db.session.commit()
    filename = f"my-data-{datetime.now(UTC):%Y-%m-%d}.zip"
    return send_file(
        io.BytesIO(archive), mimetype="application/zip", as_attachment=True, download_name=filename
    )


@bp.route("/consent/withdraw", methods=["POST"])
@roles_required(Role.CLIENT)
def withdraw_consent():
    """Withdraw consent: nothing new is collected and her practitioner is told."""
    form = ConsentWithdrawForm(prefix="withdraw")
    if not form.validate_on_submit():
        return _account_page(422, withdraw_form=form)
    services.withdraw_consent(_user())
    db.session.commit()
    flash(
        _(
            "You withdrew your consent. The portal no longer collects new check-ins or answers "
            "from you, your share links are closed, and your practitioner has been told."
        ),
        "success",
    )
    return redirect(url_for("privacy.account"))


@bp.route("/consent/give", methods=["POST"])
@roles_required(Role.CLIENT)
def give_consent():
    """Give consent again with the current text."""
    form = ConsentGiveForm(prefix="consent")
    if not form.validate_on_submit():
        return _account_page(422, give_form=form)
    services.give_consent(_user())
    db.session.commit()
    flash(_("Thank you. You can use the portal fully again."), "success")
    return redirect(url_for("privacy.account"))


@bp.route("/erasure", methods=["POST"])
@roles_required(Role.CLIENT)
@reauth_limited
def request_erasure():
    """Ask the practice to erase all her data."""
    user = _user()
    form = ErasureRequestForm(prefix="erasure")
    form.account_password_hash = user.password_hash
    if not form.validate_on_submit():
        return _account_page(422, erasure_form=form)
    services.request_erasure(user)
    db.session.commit()
    flash(
        _(
            "Your request has reached the practice. You will hear by e-mail whether your data "
            "is erased or must be kept, and why."
        ),
        "success",
    )
    return redirect(url_for("privacy.account"))


@bp.route("/admin/erasure")
@roles_required(Role.ADMIN)
def erasure_requests():
    """List the erasure requests waiting for a decision and the recent decisions."""
    open_requests, decided = services.erasure_requests()
    return _erasure_page(open_requests, decided)


def _erasure_page(open_requests, decided, failed: tuple[int, ErasureDecisionForm] | None = None):
    clients = {
        user.id: user
        for user in db.session.scalars(
            sa.select(User).where(User.id.in_({r.user_id for r in open_requests if r.user_id}))
        )
    }
    forms = {}
    for erasure in open_requests:
        forms[erasure.id] = ErasureDecisionForm(prefix=f"r{erasure.id}", formdata=None)
    status = 200
    if failed is not None:
        forms[failed[0]] = failed[1]
        status = 422
    return render_template(
        "privacy/erasure_requests.html",
        open_requests=open_requests,
        decided=decided,
        clients=clients,
        forms=forms,
    ), status


@bp.route("/admin/erasure/<int:request_id>", methods=["POST"])
@roles_required(Role.ADMIN)
def decide_erasure(request_id: int):
    """Carry out the admin's decision: erase now, or keep the record with a reason."""
    erasure = db.get_or_404(ErasureRequest, request_id)
    if erasure.decided_at is not None:
        flash(_("This request was already decided."), "info")
        return redirect(url_for("privacy.erasure_requests"))
    form = ErasureDecisionForm(prefix=f"r{erasure.id}")
    if not form.validate_on_submit():
        open_requests, decided = services.erasure_requests()
        return _erasure_page(open_requests, decided, failed=(erasure.id, form))
    admin = _user()
    if form.decision.data == "erase":
        try:
            erase_client(erasure, admin)
        except ErasureError:
            db.session.rollback()
            flash(_("This request cannot be carried out any more."), "error")
            return redirect(url_for("privacy.erasure_requests"))
        db.session.commit()
        clear_old_copies()
        message = _("The client's data and account are erased.")
    else:
        services.keep_record(erasure, admin, form.reason.data)
        db.session.commit()
        message = _("The record is kept; the client has been told why.")
    flash(message, "success")
    return redirect(url_for("privacy.erasure_requests"))


@bp.route("/admin/retention")
@roles_required(Role.ADMIN)
def retention():
    """List accounts without a sign-in for longer than the retention period, for review."""
    months = current_app.config.get("RETENTION_MONTHS", 24)
    accounts = services.inactive_accounts(months=months)
    audit.record("retention_reviewed", detail=f"{len(accounts)} accounts")
    db.session.commit()
    return render_template(
        "privacy/retention.html", accounts=accounts, months=months, now=datetime.now(UTC)
    )
