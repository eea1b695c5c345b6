"""Settings, read from the environment and validated at start.

Every setting that differs between a laptop and production comes from an
environment variable; `CHENGXIN_ENV=production` refuses to start with the
development defaults for SECRET_KEY or the PII key.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("CHENGXIN_VAR_DIR", PROJECT_DIR / "var"))

ENV = os.environ.get("CHENGXIN_ENV", "development")
PRODUCTION = ENV == "production"

_DEV_SECRET = "dev-insecure-secret-key-change-me-in-production-0123456789"
_DEV_PII_KEY = base64.urlsafe_b64encode(b"chengxin-dev-pii-key-32-bytes!!!").decode()

SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
CHENGXIN_PII_KEY = os.environ.get("CHENGXIN_PII_KEY", _DEV_PII_KEY)

if PRODUCTION:
    if SECRET_KEY == _DEV_SECRET:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    if CHENGXIN_PII_KEY == _DEV_PII_KEY:
        raise ImproperlyConfigured("CHENGXIN_PII_KEY must be set in production")

DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
CHENGXIN_BASE_URL = os.environ.get("CHENGXIN_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "chengxin.core",
    "chengxin.ledger",
    "chengxin.accounts",
    "chengxin.registry",
    "chengxin.lists",
    "chengxin.membership",
    "chengxin.certs",
    "chengxin.complaints",
    "chengxin.reports",
    "chengxin.credit",
    "chengxin.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "chengxin.core.middleware.RequestLogMiddleware",
    "chengxin.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "chengxin.core.middleware.ChengxinErrorMiddleware",
]

ROOT_URLCONF = "chengxin.urls"
WSGI_APPLICATION = "chengxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chengxin.web.context.chengxin",
            ],
        },
    },
]

# Database: SQLite (WAL) in var/ by default; DATABASE_URL switches to PostgreSQL.
_default_db = f"sqlite:///{VAR_DIR / 'chengxin.sqlite3'}"
_db_url = os.environ.get("DATABASE_URL", "").strip() or _default_db  # set but empty: the default
try:
    DATABASES = {"default": dj_database_url.parse(_db_url)}
except ValueError:  # dj_database_url.UnknownSchemeError among them
    _scheme = _db_url.split("://", 1)[0] if "://" in _db_url else ""
    raise ImproperlyConfigured(
        f"DATABASE_URL: {'unknown scheme ' + repr(_scheme) if _scheme else 'not a URL'}; "
        "use sqlite:///path/to/file.sqlite3 or postgres://user:password@host:port/database"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so read-then-write
        # transactions (the audit hash chain) cannot interleave.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
# Keep connections (per server thread) instead of reconnecting for every
# request: on SQLite a new connection also reruns the PRAGMAs above (~1 ms).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Login throttling: this many failures per username or per address within
# the window lock further attempts until the window has passed.
CHENGXIN_LOGIN_MAX_FAILURES = int(os.environ.get("CHENGXIN_LOGIN_MAX_FAILURES", "5"))
CHENGXIN_LOGIN_WINDOW_SECONDS = int(os.environ.get("CHENGXIN_LOGIN_WINDOW_SECONDS", "900"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600
MEDIA_ROOT = VAR_DIR / "media"

# Mail: real SMTP; tests point it at a sink on loopback.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# The outbox always delivers through this backend (test runners swap
# EMAIL_BACKEND for an in-memory one; our tests use a real SMTP sink).
CHENGXIN_EMAIL_BACKEND = os.environ.get("CHENGXIN_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "chengxin <noreply@chengxin.local>")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("CHENGXIN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Site ownership proofs (ACME-style). The resolver and fetcher are dotted
# paths so tests (and air-gapped installs) can plug in their own.
CHENGXIN_DNS_RESOLVER = os.environ.get(
    "CHENGXIN_DNS_RESOLVER", "chengxin.registry.ownership.SystemDnsResolver"
)
CHENGXIN_HTTP_FETCHER = os.environ.get(
    "CHENGXIN_HTTP_FETCHER", "chengxin.registry.ownership.HttpsFetcher"
)
CHENGXIN_SITE_VERIFICATION_DAYS = 365

# Certificates and seals. Signed artifacts (seal SVGs, status lists) are
# written as files under CHENGXIN_PUBLIC_DIR and served at /pub/ by the
# application server's static file route (granian), or by any CDN.
CHENGXIN_PUBLIC_DIR = Path(os.environ.get("CHENGXIN_PUBLIC_DIR", VAR_DIR / "public"))
CHENGXIN_PUBLIC_MAX_AGE = int(os.environ.get("CHENGXIN_PUBLIC_MAX_AGE", "60"))
CHENGXIN_ISSUER_NAME = os.environ.get("CHENGXIN_ISSUER_NAME", "chengxin 诚信")
CHENGXIN_STATUS_LIST_SIZE = 131072  # bits per status list: 16 KB, the minimum the W3C spec asks for

# Registry import limits.
CHENGXIN_IMPORT_MAX_BYTES = int(os.environ.get("CHENGXIN_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
CHENGXIN_IMPORT_MAX_ROWS = int(os.environ.get("CHENGXIN_IMPORT_MAX_ROWS", "200000"))

NINJA_PAGINATION_PER_PAGE = 20

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "chengxin.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

APP_NAME = _("chengxin integrity platform")

# Membership (seed 000): initial review within 2 working days; one-year terms;
# reminders 30 and 7 days before expiry.
CHENGXIN_REVIEW_WORKING_DAYS = 2
CHENGXIN_MEMBERSHIP_DAYS = 365
CHENGXIN_MEMBERSHIP_REMINDER_DAYS = (30, 7)
CHENGXIN_DOCUMENT_MAX_BYTES = int(os.environ.get("CHENGXIN_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))

# Complaints (seed 003 §3; 12315 rules). Working days use the Chinese calendar.
CHENGXIN_COMPLAINT_CONFIRM_WORKING_DAYS = 7  # staff confirm or reject a new complaint
CHENGXIN_COMPLAINT_RESPONSE_WORKING_DAYS = 10  # default merchant deadline (per category overridable)
CHENGXIN_COMPLAINT_REMIND_WORKING_DAYS = 3  # reminder this many working days before the deadline
CHENGXIN_COMPLAINT_FINAL_WORKING_DAYS = 5  # after the second notice
CHENGXIN_COMPLAINT_CONSUMER_DAYS = 10  # the consumer accepts or disputes an answer (calendar days)
CHENGXIN_COMPLAINT_MEDIATION_WORKING_DAYS = 45
CHENGXIN_COMPLAINT_PUBLIC_YEARS = int(os.environ.get("CHENGXIN_COMPLAINT_PUBLIC_YEARS", "3"))
CHENGXIN_COMPLAINT_MAX_PER_DAY = int(os.environ.get("CHENGXIN_COMPLAINT_MAX_PER_DAY", "5"))
CHENGXIN_COMPLAINT_MAX_PER_30_DAYS = int(os.environ.get("CHENGXIN_COMPLAINT_MAX_PER_30_DAYS", "20"))
CHENGXIN_COMPLAINT_FREQUENT_90_DAYS = 10  # more than this in 90 days: shown to staff as a frequent complainant
CHENGXIN_COMPLAINT_FLAGS_PER_30_DAYS = 10  # malicious flags a subject may raise in 30 days
CHENGXIN_COMPLAINT_EVIDENCE_MAX_BYTES = int(os.environ.get("CHENGXIN_COMPLAINT_EVIDENCE_MAX_BYTES", str(5 * 1024 * 1024)))
CHENGXIN_COMPLAINT_EVIDENCE_MAX_FILES = 10
CHENGXIN_COMPLAINT_STAFF_EMAIL = os.environ.get("CHENGXIN_COMPLAINT_STAFF_EMAIL", "")
CHENGXIN_OTP_TTL_SECONDS = 600
CHENGXIN_OTP_PER_HOUR = 5
