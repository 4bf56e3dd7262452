"""Security headers, proxy handling, session time-outs and no-store caching for health data."""

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.auth import sessions

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {
    "camera": "()",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
    "interest-cohort": "()",
}


def init_app(app: Flask) -> None:
    """Install the headers, the proxy fix and the per-request session checks."""
    from portal import assets
    from portal.auth import twofactor

    production = app.config.get("SESSION_COOKIE_SECURE", False)
    # The one inline stylesheet and script (portal/assets.py) are allowed by their hashes.
    policy = dict(CONTENT_SECURITY_POLICY)
    for directive, source in assets.csp_sources(app).items():
        policy[directive] = f"{policy[directive]} {source}"
    # One Talisman per app: it keeps its settings on the instance, so a shared one would let
    # the last app built (a test with HSTS, say) decide the headers of every other app.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=production,
        strict_transport_security=production,
        session_cookie_secure=production,
        content_security_policy=policy,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
    )
    hops = app.config.get("PROXY_FIX_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(enforce_session_limits)
    twofactor.init_app(app)
    app.after_request(add_cache_headers)


def enforce_session_limits():
    """Sign out a session that has ended; move a live one's idle clock on."""
    if request.endpoint == "static":
        return None
    if current_user.is_authenticated:
        sessions.touch(sessions.current_session())
        return None
    if "_user_id" not in session:
        return None
    # The cookie names a session that opens nothing (any more): forget it.
    ended = g.pop("session_ended", None)
    logout_user()
    session.clear()
    if ended is None:
        return None  # signed out elsewhere, or never valid: pages that need sign-in say so
    if ended == "idle":
        message = _("You were signed out after a period of inactivity. Please sign in again.")
    else:
        message = _("You were signed out: a sign-in lasts a limited time. Please sign in again.")
    flash(message, "info")
    return redirect(url_for("auth.login", next=request.full_path))


# Pages whose address holds a secret token: never cached, whoever opens them (the share-link
# pages set their own headers in portal/careteam/views.py).
TOKEN_PAGES = frozenset({"auth.accept_invitation", "auth.reset_password",
                         "privacy.confirm_email"})


def add_cache_headers(response):
    """Keep pages with personal data, or a token in their address, out of every cache."""
    # The session, not current_user: after the view's commit, touching the user would reload
    # it in a new transaction, a query just to decide a header.
    if request.endpoint in TOKEN_PAGES or (request.endpoint != "static" and "_user_id" in session):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
