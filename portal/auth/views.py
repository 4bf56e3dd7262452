"""Sign in and out, accept an invitation, reset a forgotten password, switch language."""

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from portal import audit
from portal.auth import services, sessions, throttle, twofactor
from portal.auth.consent import consent_text
from portal.auth.forms import (
    AcceptClientInvitationForm,
    AcceptInvitationForm,
    LanguageForm,
    LoginForm,
    RecoveryCodesForm,
    ResetPasswordForm,
    ResetRequestForm,
    TwoFactorCodeForm,
    TwoFactorDisableForm,
    TwoFactorSetupForm,
)
from portal.extensions import db, limiter
from portal.i18n import LOCALE_COOKIE
from portal.models import Invitation
from portal.urls import safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _too_early(template: str, form, seconds: int):
    """Refuse an attempt that comes before the account's wait is over, without checking it."""
    flash(
        ngettext(
            "There were several wrong attempts for this account. "
            "Please wait %(num)d second and try again.",
            "There were several wrong attempts for this account. "
            "Please wait %(num)d seconds and try again.",
            seconds,
        ),
        "error",
    )
    response = make_response(render_template(template, form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
@throttle.address_limit
def login():
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for(services.home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        account = services.normalise_email(form.email.data)
        wait = throttle.wait_seconds(account)
        if wait:
            return _too_early("auth/login.html", form, wait)
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            target = safe_next(request.args.get("next"))
            if user.totp_enabled:
                # Not signed in yet: the second step decides (and ends a run of failures).
                twofactor.start_pending(user, target, remember=form.remember.data)
                audit.record("login_password_ok", actor=user)
                db.session.commit()
                return redirect(url_for("auth.two_factor"))
            sessions.sign_in(user, remember=form.remember.data)
            services.mark_signed_in(user)
            throttle.forget_failures(account)
            audit.record("login", actor=user)
            db.session.commit()
            return redirect(target or url_for(services.home_endpoint(user)))
        throttle.record_failure(account)
        audit.record("login_failed", detail=account[:100])
        db.session.commit()
        flash(_("The e-mail address or password is not right."), "error")
        return render_template("auth/login.html", form=form), 422
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _back_to_password_step():
    """End a pending sign-in that had its five wrong codes: she starts again with her password."""
    twofactor.clear_pending()
    flash(
        _("Too many codes were not right. Please sign in again with your password."),
        "error",
    )
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@throttle.address_limit
def two_factor():
    """Ask for the authenticator code (or a recovery code) and finish signing in."""
    if current_user.is_authenticated:
        return redirect(url_for(services.home_endpoint(current_user)))
    pending = twofactor.pending_user()
    if pending is None:
        twofactor.clear_pending()
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    user, target, remember = pending
    sign_in = twofactor.pending_id()
    if throttle.wrong_codes(sign_in) >= twofactor.WRONG_CODES_PER_SIGN_IN:
        return _back_to_password_step()
    account = services.normalise_email(user.email)
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        wait = throttle.wait_seconds(account)
        if wait:
            return _too_early("auth/two_factor.html", form, wait)
        used = twofactor.verify_code(user, form.code.data)
        if used is not None:
            sessions.sign_in(user, remember=remember)
            services.mark_signed_in(user)
            throttle.forget_failures(account)
            audit.record("login", actor=user, detail=used)
            left = twofactor.unused_recovery_codes(user) if used == "recovery_code" else None
            db.session.commit()
            if left is not None and left <= 3:
                flash(
                    ngettext(
                        "You have %(num)d recovery code left. Make new ones on your account page.",
                        "You have %(num)d recovery codes left. Make new ones on your account page.",
                        left,
                    ),
                    "warning",
                )
            return redirect(target or url_for(services.home_endpoint(user)))
        throttle.record_failure(account)
        audit.record("login_code_failed", actor=user)
        db.session.commit()
        if throttle.record_wrong_code(sign_in) >= twofactor.WRONG_CODES_PER_SIGN_IN:
            return _back_to_password_step()
        form.code.errors.append(_("This code is not right, or it was already used."))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/two_factor.html", form=form), status


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    """Set up the authenticator app: scan the QR code, confirm a code, get recovery codes."""
    user = current_user._get_current_object()
    if user.totp_enabled:
        return redirect(url_for("privacy.account"))
    secret = twofactor.pending_secret(user)
    form = TwoFactorSetupForm()
    # Changing how an account signs in needs the password, not only a live session.
    form.account_password_hash = user.password_hash
    if form.validate_on_submit():
        codes = twofactor.confirm_enrolment(user, form.code.data)
        if codes is not None:
            audit.record("two_factor_enabled")
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes, first_time=True)
        form.code.errors.append(_("This code is not right. Check the time on your phone."))
    db.session.commit()
    uri = twofactor.provisioning_uri(user, secret)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        qr=twofactor.qr_data_uri(uri),
        secret=twofactor.grouped(secret),
        required=twofactor.enrolment_required(user),
    ), status


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
@limiter.limit(_login_limit)
def new_recovery_codes():
    """Replace the recovery codes after a fresh password check and show the new ones once."""
    user = current_user._get_current_object()
    form = RecoveryCodesForm()
    form.account_password_hash = user.password_hash
    if not user.totp_enabled:
        return redirect(url_for("privacy.account"))
    if form.validate_on_submit():
        codes = twofactor.new_recovery_codes(user)
        audit.record("recovery_codes_renewed")
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, first_time=False)
    return _manage_page(user, codes_form=form), 422


def _manage_page(user, codes_form=None, disable_form=None):
    if twofactor.enrolment_required(user):
        disable_form = None  # required for this role: it cannot be switched off
    else:
        disable_form = disable_form or TwoFactorDisableForm(prefix="disable")
    return render_template(
        "auth/two_factor_manage.html",
        codes_form=codes_form or RecoveryCodesForm(),
        disable_form=disable_form,
        codes_left=twofactor.unused_recovery_codes(user),
    )


@bp.route("/two-factor")
@login_required
def two_factor_manage():
    """Show the two-step sign-in settings: new recovery codes, switching it off."""
    user = current_user._get_current_object()
    if not user.totp_enabled:
        return redirect(url_for("auth.two_factor_setup"))
    return _manage_page(user)


@bp.route("/two-factor/disable", methods=["POST"])
@login_required
@limiter.limit(_login_limit)
def two_factor_disable():
    """Let a client switch two-factor sign-in off (password and a current code)."""
    user = current_user._get_current_object()
    if not user.totp_enabled or twofactor.enrolment_required(user):
        return redirect(url_for("privacy.account"))
    form = TwoFactorDisableForm(prefix="disable")
    form.account_password_hash = user.password_hash
    if form.validate_on_submit():
        if twofactor.accept_totp(user, form.code.data):
            twofactor.disable(user)
            audit.record("two_factor_disabled")
            db.session.commit()
            flash(_("Two-step sign-in is off."), "success")
            return redirect(url_for("privacy.account"))
        form.code.errors.append(_("This code is not right, or it was already used."))
    db.session.commit()
    return _manage_page(user, disable_form=form), 422


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and end this session on the server, so no copy of the cookie opens it."""
    if current_user.is_authenticated:
        sessions.revoke_session(sessions.current_session())
        audit.record("logout")
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out. Take care."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Let an invited person set a password, give consent and create the account."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationError as error:
        return render_template("auth/invitation_invalid.html", reason=str(error)), 410
    # She is not signed in yet, so the request would be in the default language: speak the
    # language she was invited in (that of the e-mail and of her new account) instead, for the
    # page, the consent she agrees to and the welcome she sees next.
    with force_locale(invitation.locale):
        return _accept_invitation(invitation)


def _accept_invitation(invitation: Invitation):
    form_class = AcceptClientInvitationForm if invitation.role == "client" else AcceptInvitationForm
    form = form_class()
    form.account_email = invitation.email
    text = consent_text(invitation.role)
    if form.validate_on_submit():
        details = None
        if invitation.role == "client":
            details = services.ProfileDetails(
                delivery_date=form.delivery_date.data,
                delivery_type=form.delivery_type.data,
                feeding=form.feeding.data,
                baby_name=form.baby_name.data,
            )
        try:
            user = services.accept_invitation(invitation, form.password.data, text, details)
        except services.InvitationError:
            db.session.rollback()
            return render_template("auth/invitation_invalid.html", reason="exists"), 410
        sessions.sign_in(user)
        db.session.commit()
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.full_name), "success")
        return redirect(url_for(services.home_endpoint(user)))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "auth/accept_invitation.html", form=form, invitation=invitation, consent_text=text
    ), status


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def request_reset():
    """Send a password reset link without saying whether the account exists."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If this address belongs to an account, we have sent a link to choose a new "
                "password. Please check your e-mail."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an e-mailed link."""
    reset = services.reset_for_token(token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 410
    form = ResetPasswordForm()
    form.account_email = reset.user.email
    if form.validate_on_submit():
        services.complete_password_reset(reset, form.password.data)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Your password has been changed. You can sign in now."), "success")
        return redirect(url_for("auth.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset_password.html", form=form), status


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the language; remembered on the account and in a cookie."""
    form = LanguageForm()
    target = safe_next(form.next.data) or url_for("public.index")
    if not form.validate_on_submit() or form.locale.data not in current_app.config["LANGUAGES"]:
        return redirect(target)
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
        db.session.commit()
    response = make_response(redirect(target))
    response.set_cookie(
        LOCALE_COOKIE,
        form.locale.data,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response
