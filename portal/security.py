"""Security headers, proxy handling, idle time-outs and no-store caching for health data."""

from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

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
IDLE_LIMITS = {
    "client": timedelta(hours=12),
    "practitioner": timedelta(minutes=30),
    "admin": timedelta(minutes=30),
}


def init_app(app: Flask) -> None:
    """Install the headers, the proxy fix and the per-request session checks."""
    from portal.auth import twofactor

    production = app.config.get("SESSION_COOKIE_SECURE", False)
    # One Talisman per app: it keeps its settings on the instance, so a shared one would let
    # the last app built (a test with HSTS, say) decide the headers of every other app.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=production,
        strict_transport_security=production,
        session_cookie_secure=production,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
    )
    hops = app.config.get("PROXY_FIX_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(enforce_idle_timeout)
    twofactor.init_app(app)
    app.after_request(add_cache_headers)


LAST_SEEN_RESOLUTION_SECONDS = 60


def enforce_idle_timeout():
    """Sign out a user who has been idle longer than their role allows."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = datetime.now(UTC)
    last_seen = session.get("last_seen")
    limit = IDLE_LIMITS.get(current_user.role, timedelta(minutes=30))
    limit = current_app.config.get("IDLE_LIMITS", {}).get(current_user.role, limit)
    if last_seen is not None and now - datetime.fromtimestamp(last_seen, UTC) > limit:
        logout_user()
        session.clear()
        flash(_("You were signed out after a period of inactivity. Please sign in again."), "info")
        return redirect(url_for("auth.login", next=request.full_path))
    # Refreshed at most once a minute: a changed session is signed and sent back as a cookie,
    # and idle limits are counted in minutes and hours, not seconds.
    if last_seen is None or now.timestamp() - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
        session["last_seen"] = int(now.timestamp())
    return None


def add_cache_headers(response):
    """Keep pages with personal data out of shared and browser caches."""
    # The session, not current_user: after the view's commit, touching the user would reload
    # it in a new transaction, a query just to decide a header.
    if request.endpoint != "static" and "_user_id" in session:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response
