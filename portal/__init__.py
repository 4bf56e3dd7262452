"""The postpartum recovery portal: create_app() builds the Flask application."""

import os
from pathlib import Path

from flask import Flask

from config import CONFIGS, Config
from portal.instance_secret import configure_secret_key

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the application from a config class plus explicit overrides."""
    if config_class is None:
        config_class = CONFIGS[os.environ.get("PORTAL_ENV", "development")]
    if hasattr(config_class, "check"):
        config_class.check()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(exist_ok=True)
    configure_secret_key(app)

    register_logging(app)
    register_extensions(app)
    register_assets(app)
    register_url_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Show the portal's log lines on stderr (before Flask gives app.logger its own handler)."""
    from portal import logs

    logs.init_app(app)


def register_extensions(app: Flask) -> None:
    """Bind the shared extension instances and the database engine settings."""
    from portal import database, i18n
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

    database.configure_engine_options(app)
    db.init_app(app)
    database.install_sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    app.before_request(i18n.share_wtforms_messages)  # before any form is made
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    if app.config.get("ALLOW_TEST_EMAIL_DOMAINS"):
        import email_validator

        email_validator.TEST_ENVIRONMENT = True

    from portal.auth import sessions

    sessions.init_login_manager(login_manager)


def register_assets(app: Flask) -> None:
    """Fingerprint static files, build the inline stylesheet, compress what is sent."""
    from portal import assets

    assets.init_app(app)


def register_url_converters(app: Flask) -> None:
    """Bound <int:...> in addresses to what a database id can be (before routes are added)."""
    from portal import input_guard

    input_guard.register_converters(app)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per feature."""
    from portal.admin.views import bp as admin_bp
    from portal.appointments.views import bp as appointments_bp
    from portal.auditlog.views import bp as auditlog_bp
    from portal.auth.views import bp as auth_bp
    from portal.careteam.views import bp as careteam_bp
    from portal.checkins.views import bp as checkins_bp
    from portal.guidance.views import bp as guidance_bp
    from portal.health import bp as health_bp
    from portal.messages.views import bp as messages_bp
    from portal.practice.views import bp as practice_bp
    from portal.privacy.views import bp as privacy_bp
    from portal.public.views import bp as public_bp
    from portal.questionnaires.views import bp as questionnaires_bp
    from portal.reports.views import bp as reports_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(checkins_bp, url_prefix="/me")
    app.register_blueprint(auditlog_bp, url_prefix="/admin/access-log")
    app.register_blueprint(questionnaires_bp, url_prefix="/questionnaires")
    app.register_blueprint(guidance_bp, url_prefix="/guidance")
    app.register_blueprint(practice_bp, url_prefix="/practice")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(privacy_bp, url_prefix="/account")
    app.register_blueprint(messages_bp, url_prefix="/messages")
    # Its routes sit beside the account, practice and admin pages they belong to.
    app.register_blueprint(careteam_bp)
    app.register_blueprint(appointments_bp)


def register_errorhandlers(app: Flask) -> None:
    """Render 400, 403, 404, 405, 413, 429 and 500 in the portal's layout."""
    from portal import errors

    errors.register(app)


def register_security(app: Flask) -> None:
    """Add security headers, proxy handling and per-request session checks."""
    from portal import input_guard, security

    security.init_app(app)
    input_guard.init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Expose formatting helpers and the navigation context to templates."""
    from portal import templating

    templating.init_app(app)


def register_commands(app: Flask) -> None:
    """Add the flask CLI commands (create-admin, seed-demo, cron jobs)."""
    from portal import cli

    cli.register(app)
