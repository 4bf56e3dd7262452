"""Configuration classes; the environment overrides every default that differs per deployment."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'portal.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # The practice: shown on the help page, in e-mails and in the PDF summary.
    PRACTICE_NAME = os.environ.get("PRACTICE_NAME", "Praktijk Herstel na Inleiding")
    PRACTICE_PHONE = os.environ.get("PRACTICE_PHONE", "020-123 45 67")
    PRACTICE_EMAIL = os.environ.get("PRACTICE_EMAIL", "praktijk@example.nl")
    HUISARTSENPOST_PHONE = os.environ.get("HUISARTSENPOST_PHONE", "0900-123 45 67")
    PRACTICE_LOGO = os.environ.get("PRACTICE_LOGO")  # path under static/, optional
    ADMIN_NOTIFY_EMAIL = os.environ.get("ADMIN_NOTIFY_EMAIL")  # falls back to every admin
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Languages: Dutch first, English complete.
    LANGUAGES = ("nl", "en")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "portal" / "translations")

    # Mail: "log" writes messages to the log and keeps an outbox; "smtp" sends them.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "log")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "portal@example.nl")

    # Accounts.
    INVITATION_DAYS = _int("INVITATION_DAYS", 7)
    PASSWORD_RESET_HOURS = _int("PASSWORD_RESET_HOURS", 2)
    EMAIL_CHANGE_HOURS = _int("EMAIL_CHANGE_HOURS", 24)
    PASSWORD_MIN_LENGTH = 12
    CONSENT_VERSION = "2026-11"
    RETENTION_MONTHS = _int("RETENTION_MONTHS", 24)
    # Password hashing, argon2id with OWASP's recommendation: m=19 MiB, t=2, p=1. A hash made
    # with other values is redone at the next sign-in.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19 * 1024  # KiB
    ARGON2_PARALLELISM = 1

    # Two-step sign-in: required for practitioners and admins (optional for clients).
    TWO_FACTOR_REQUIRED = True
    # Encrypts TOTP secrets at rest; development derives a key from SECRET_KEY when unset.
    TOTP_ENCRYPTION_KEY = os.environ.get("TOTP_ENCRYPTION_KEY")

    # Rate limits (Flask-Limiter). Redis when several workers must share counts.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT = os.environ.get("LOGIN_LIMIT", "10 per 15 minutes")
    ENQUIRY_LIMIT = os.environ.get("ENQUIRY_LIMIT", "5 per hour")

    # Sessions.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a tired mother may leave a form open for hours
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)

    # Check-ins and flags (DOMAIN.md defaults; tests pin them).
    CHECKIN_BACKFILL_DAYS = 7
    FLAG_THRESHOLDS: dict = {}
    URGENT_ESCALATION_HOURS = _int("URGENT_ESCALATION_HOURS", 24)


class DevelopmentConfig(Config):
    """Local development: SQLite in instance/, mail written to the log."""

    DEBUG = False
    # The demo accounts use the reserved .test domain, which e-mail validation refuses otherwise.
    ALLOW_TEST_EMAIL_DOMAINS = True


class TestingConfig(Config):
    """The test suite: a database from TEST_DATABASE_URL or a temporary SQLite file."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "log"
    ALLOW_TEST_EMAIL_DOMAINS = True
    # Most tests sign staff in by password alone; the two-factor tests switch this on.
    TWO_FACTOR_REQUIRED = False
    # The suite hashes thousands of passwords and recovery codes; at OWASP's cost that was
    # minutes of every run. The smallest argon2id cost tests the same code paths;
    # tests/test_auth.py holds production to OWASP's values.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8  # KiB, argon2's minimum for one lane


class ProductionConfig(Config):
    """Production: refuses to start without a secret key and a database URL."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        """Refuse to run with development defaults."""
        required = ("SECRET_KEY", "DATABASE_URL", "TOTP_ENCRYPTION_KEY")
        missing = [name for name in required if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "ProductionConfig needs these environment variables: " + ", ".join(missing)
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
