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
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal import audit
from portal.auth import services
from portal.auth.consent import consent_text
from portal.auth.forms import (
    AcceptClientInvitationForm,
    AcceptInvitationForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from portal.extensions import db, limiter
from portal.i18n import LOCALE_COOKIE
from portal.urls import safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _account_key() -> str:
    return "login-account:" + services.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
def login():
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for(services.home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user)
            audit.record("login", actor=user)
            db.session.commit()
            target = safe_next(request.args.get("next"))
            return redirect(target or url_for(services.home_endpoint(user)))
        audit.record("login_failed", detail=services.normalise_email(form.email.data)[:100])
        db.session.commit()
        flash(_("The e-mail address or password is not right."), "error")
        return render_template("auth/login.html", form=form), 422
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out and end this session."""
    if current_user.is_authenticated:
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
        db.session.commit()
        session.clear()
        login_user(user)
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
