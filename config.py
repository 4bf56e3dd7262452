"""Configuration classes; the environment overrides every default that differs per deployment."""

import os
from datetime import timedelta
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

    # Without it, development and tests of a built app use a random key made once in
    # instance/secret_key (portal/instance_secret.py); production refuses to start.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SECRET_KEY_FILE: str | None = None  # where that key is kept; None: instance/secret_key
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

    # Mail: every message goes to the outbox; the worker sends it ("smtp") or logs it ("log").
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "log")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "portal@example.nl")
    MAIL_TIMEOUT_SECONDS = _int("MAIL_TIMEOUT_SECONDS", 20)

    # The outbox and its worker (`flask worker`): how often it looks for mail, how long a
    # claimed message is its own before another worker may take it, when to give up.
    OUTBOX_POLL_SECONDS = float(os.environ.get("OUTBOX_POLL_SECONDS", "0.5"))
    OUTBOX_CLAIM_SECONDS = _int("OUTBOX_CLAIM_SECONDS", 300)
    OUTBOX_GIVE_UP_HOURS = _int("OUTBOX_GIVE_UP_HOURS", 24)

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

    # Rate limits (Flask-Limiter). Redis when several workers must share counts; while it is
    # down each worker counts alone in memory (with a warning) instead of refusing sign-ins.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # A Redis that dies between the check and the count after the response must not cost a 500.
    RATELIMIT_SWALLOW_ERRORS = True
    # A Redis that hangs must not hold a sign-in: give up after a second and fall back.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # "10 per 15 minutes" means at most 10 in any 15 minutes, not 20 around a window's edge.
    RATELIMIT_STRATEGY = "moving-window"
    # Off: they would report the per-address window on every sign-in page and overrule the
    # Retry-After of an account's wait. The refusal pages say how long to wait.
    RATELIMIT_HEADERS_ENABLED = False
    # Wrong passwords and codes from one address (a hard limit: password spraying); good
    # sign-ins never count.
    LOGIN_LIMIT = os.environ.get("LOGIN_LIMIT", "10 per 15 minutes")
    # Per account: after this many wrong passwords or codes in a row each attempt waits, first
    # LOGIN_FIRST_DELAY_SECONDS, doubling with every further failure, never longer than the cap.
    LOGIN_FREE_FAILURES = 5
    LOGIN_FIRST_DELAY_SECONDS = 1
    LOGIN_MAX_DELAY_SECONDS = _int("LOGIN_MAX_DELAY_SECONDS", 60)
    ENQUIRY_LIMIT = os.environ.get("ENQUIRY_LIMIT", "5 per hour")
    # Share links that find nothing, per address (token guessing); working links never count.
    SHARE_LIMIT = os.environ.get("SHARE_LIMIT", "20 per hour")
    # Base of the canonical URLs in FHIR exports; None means BASE_URL + "/fhir".
    FHIR_CANONICAL_BASE = os.environ.get("FHIR_CANONICAL_BASE")

    # Request size: a larger body is refused with 413 before it is read. The largest honest
    # uploads are a questionnaire wording file (kilobytes) and a lesson text.
    MAX_CONTENT_LENGTH = 3 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500_000  # one text field of a multipart form
    MAX_FORM_PARTS = 100  # the one multipart form (wording upload) has three

    # Log lines of the portal (and the rate limiter) at this level go to stderr.
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # Sessions. The cookie holds only a session id; lifetimes and idle limits are decided on
    # the server (portal/auth/sessions.py: SESSION_LIFETIMES, IDLE_LIMITS may override them).
    # Only "stay signed in on this phone" makes the cookie outlive the browser, for 30 days;
    # it is not re-sent on every request (the server's clock is the one that counts).
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a tired mother may leave a form open for hours
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)

    # Messages: when the practice reads them and how soon she may expect an answer (shown to
    # her above the message box), the quiet time between two e-mail notices about one
    # conversation, and how long a sender may withdraw a message.
    MESSAGE_READING_HOURS = os.environ.get("MESSAGE_READING_HOURS", "9:00-17:00")
    MESSAGE_REPLY_WORKING_DAYS = _int("MESSAGE_REPLY_WORKING_DAYS", 1)
    MESSAGE_NOTICE_MINUTES = _int("MESSAGE_NOTICE_MINUTES", 60)
    MESSAGE_WITHDRAW_MINUTES = _int("MESSAGE_WITHDRAW_MINUTES", 5)
    # The staff's digest: the local time it goes out (working days, or Mondays for weekly).
    DIGEST_TIME = os.environ.get("DIGEST_TIME", "07:30")

    # Web Push (portal/push.py): the VAPID key, base64url of the raw key or its DER. Unset, one
    # is made once in instance/vapid_private.pem; several hosts must share one through this.
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY")
    VAPID_KEY_FILE: str | None = None
    # Push services are https; development and the tests run one on plain http at 127.0.0.1.
    PUSH_ALLOW_HTTP = False

    # Check-ins and flags (DOMAIN.md defaults; tests pin them).
    CHECKIN_BACKFILL_DAYS = 7
    FLAG_THRESHOLDS: dict = {}
    # 4 hours: a day is long to leave an answer about self-harm unseen.
    URGENT_ESCALATION_HOURS = _int("URGENT_ESCALATION_HOURS", 4)


class DevelopmentConfig(Config):
    """Local development: SQLite in instance/, mail written to the log."""

    DEBUG = False
    # `make run` passes PORT: links in e-mails must point at the port it serves on.
    BASE_URL = os.environ.get("BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    # The demo accounts use the reserved .test domain, which e-mail validation refuses otherwise.
    ALLOW_TEST_EMAIL_DOMAINS = True
    PUSH_ALLOW_HTTP = True


class TestingConfig(Config):
    """The test suite: a database from TEST_DATABASE_URL or a temporary SQLite file."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "log"
    # pytest captures log records itself.
    LOG_LEVEL = None
    ALLOW_TEST_EMAIL_DOMAINS = True
    PUSH_ALLOW_HTTP = True
    # A key of the tests' own (raw, base64url), so no test writes instance/vapid_private.pem.
    VAPID_PRIVATE_KEY = "74x6uo-JU4ZzrdR1cB0uAPXLjmUESZkSQBe18aCkjXA"
    # Most tests sign staff in by password alone; the two-factor tests switch this on.
    TWO_FACTOR_REQUIRED = False
    # The suite hashes thousands of passwords and recovery codes; at OWASP's cost that was
    # minutes of every run. The smallest argon2id cost tests the same code paths;
    # tests/test_auth.py holds production to OWASP's values.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8  # KiB, argon2's minimum for one lane


class ProductionConfig(Config):
    """Production: refuses to start without its secrets, a database URL, shared limits and the
    practice's numbers."""

    SESSION_COOKIE_SECURE = True
    # __Host-: the browser takes it only over https, for this host alone (no Domain), path "/",
    # so a sibling subdomain cannot set or overwrite the session cookie.
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls) -> None:
        """Refuse to run with development defaults.

        The phone numbers too: the crisis page of a real practice must never show the demo
        numbers to a mother who needs help now.
        """
        required = (
            "SECRET_KEY",
            "DATABASE_URL",
            "TOTP_ENCRYPTION_KEY",
            "PRACTICE_PHONE",
            "HUISARTSENPOST_PHONE",
        )
        missing = [name for name in required if not (os.environ.get(name) or "").strip()]
        if missing:
            raise RuntimeError(
                "ProductionConfig needs these environment variables: " + ", ".join(missing)
            )
        storage = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        if storage.startswith("memory://") and not _bool("RATELIMIT_ALLOW_MEMORY"):
            raise RuntimeError(
                "RATELIMIT_STORAGE_URI is memory://, so each gunicorn worker would count wrong "
                "passwords alone. Set RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0, or "
                "RATELIMIT_ALLOW_MEMORY=1 if the portal runs exactly one worker."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
