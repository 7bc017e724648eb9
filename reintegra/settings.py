"""reintegra's one settings module, configured by environment variables (see README)."""

import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from reintegra.lib.files import private_dir

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
# The database, the keys and the secret live here: readable by the service's user only (0700;
# the SQLite files themselves are made 0600 as they are opened, see lib/files.py).
VAR_DIR = private_dir(Path(os.environ.get("REINTEGRA_VAR_DIR", PROJECT_DIR / "var")))


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    # Never a key in the repository: take it from the environment, else keep a random one in var/.
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_flag("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "reintegra.accounts",
    "reintegra.network",
    "reintegra.cases",
    "reintegra.referrals",
    "reintegra.plans",
    "reintegra.livelihoods",
    "reintegra.insights",
    "reintegra.exchange",
    "reintegra.notifications",
    "reintegra.feedback",
    "reintegra.transfers",
    "reintegra.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "reintegra.middleware.security_headers_middleware",
    "reintegra.middleware.utf8_only_middleware",  # issue 12: text that is not UTF-8 is refused (400)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor sign-in: marks a session verified by a code, and keeps an unverified one that
    # needs it on the code or set-up page (decisions/0023-two-factor.md).
    "django_otp.middleware.OTPMiddleware",
    "reintegra.accounts.middleware.two_factor_middleware",
    # The insights' reads go to the read replica when one is configured (reintegra/dbrouters.py).
    "reintegra.dbrouters.replica_reads_middleware",
    "reintegra.middleware.audit_context_middleware",
    "reintegra.middleware.read_audit_middleware",
    "reintegra.middleware.reader_calendar_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "reintegra.urls"
WSGI_APPLICATION = "reintegra.wsgi.application"
# Django's widget templates, with inputs, selects and choice lists built in Python: the same markup, faster.
FORM_RENDERER = "reintegra.lib.formrender.FastRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reintegra.notifications.context_processors.unread_notifications",
            ],
            # Dates and agency names as the reader reads them, on every page (`day`, `moment`, `agency_name`).
            "builtins": ["reintegra.accounts.templatetags.display"],
        },
    },
]

# --- Database: embedded SQLite unless DATABASE_URL names another (PostgreSQL in production).
SQLITE_PATH = VAR_DIR / "reintegra.sqlite3"
if os.environ.get("DATABASE_URL"):
    # Connections are kept a minute and checked before reuse, so after a database restart the next
    # request opens a fresh one instead of failing on a dead one (tests/test_faults.py).
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so the audit chain's
                # head is read and advanced by one writer at a time (as SELECT … FOR UPDATE does
                # on PostgreSQL). With the write-ahead log readers never wait for the writer, and
                # `timeout` (SQLite's busy timeout, seconds) makes a writer wait its turn instead of
                # failing with "database is locked". No ATOMIC_REQUESTS: a read's audit record is a
                # short transaction of its own, not one held while the page renders (finding 13 of
                # issue 12; tests/test_concurrency.py).
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
# A read replica of that PostgreSQL (issue 15, docs/deployment.md): the insights dashboards read
# their figures from it; everything else, and every write, stays on the primary (dbrouters.py).
INSIGHTS_DATABASE: str | None = None
if os.environ.get("REINTEGRA_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["REINTEGRA_REPLICA_URL"], conn_max_age=60, conn_health_checks=True
    )
    INSIGHTS_DATABASE = "replica"
# No just-in-time compilation of queries on PostgreSQL: the pages ask short, indexed queries, and at a
# million cases compiling a plan PostgreSQL wrongly deems costly took 0.37 s of a 2.1 s task query
# (docs/benchmarks.md, "At a million"). A server's own `jit` setting is overridden per connection.
for _alias, _database in DATABASES.items():
    if _database["ENGINE"].startswith("django.db.backends.postgresql"):
        _database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASE_ROUTERS = ["reintegra.dbrouters.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: in the database, so every app server sees the same values (docs/deployment.md). Its
# table is made by `reintegra migrate` (accounts/apps.py runs createcachetable after migrating).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "reintegra_cache"}}

# --- Identifying data: encryption keys live outside the database (see reintegra/lib/crypto.py).
DATA_KEY_FILE = Path(os.environ.get("REINTEGRA_DATA_KEY_FILE", VAR_DIR / "data_keys"))
INDEX_KEY_FILE = Path(os.environ.get("REINTEGRA_INDEX_KEY_FILE", VAR_DIR / "index_key"))
# Backups are encrypted with their own key (reintegra/exchange/backup.py, decisions/0028): keep a
# copy of it apart from the backups; an archive cannot be restored without it.
BACKUP_KEY_FILE = Path(os.environ.get("REINTEGRA_BACKUP_KEY_FILE", VAR_DIR / "backup_key"))
# Every erasure made (case codes only), read by a restore to erase them again (cases/erasure_ledger.py).
ERASURE_LEDGER_FILE = Path(os.environ.get("REINTEGRA_ERASURE_LEDGER_FILE", VAR_DIR / "erasure_ledger"))
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(2 * 1024 * 1024)))

# Weights of the reintegration sustainability index (docs/reintegration-index.md); default equal.
REINTEGRATION_INDEX_WEIGHTS: dict[str, dict[str, float]] = {"indicators": {}, "dimensions": {}}

# --- Accounts
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["reintegra.accounts.backends.LockoutModelBackend"]
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed logins within the window after which a username is locked for the window's length.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
# Two-factor sign-in (reintegra/accounts/two_factor.py): the name authenticator apps show; only the
# code of the current 30-second step and the one on either side are taken.
OTP_TOTP_ISSUER = "reintegra"
# The admin lists devices without their secrets (no key, no QR code).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Days an API token lives from its issue (each sign-in through the API issues a new one); a token
# also ends when revoked, on a password change and on deactivation (accounts.models.ApiToken).
API_TOKEN_DAYS = max(1, int(os.environ.get("API_TOKEN_DAYS", "30")))
# Aggregates: a cell counting fewer people than this is suppressed, with what would compute it back
# (issue 13; decisions/0026).
INSIGHTS_MIN_CELL = max(2, int(os.environ.get("INSIGHTS_MIN_CELL", "5")))
# A dashboard's figures for the same filters are computed at most once in this many seconds and
# served from the shared cache in between (insights/dashboards.py, decisions/0037); 0 turns it off.
INSIGHTS_CACHE_SECONDS = max(0, int(os.environ.get("REINTEGRA_INSIGHTS_CACHE_SECONDS", "120")))
# Past those seconds, a view's figures are still served, marked as older, for this many seconds more
# while the worker works them out again (decisions/0041); 0: the reader waits for new figures.
INSIGHTS_STALE_SECONDS = max(0, int(os.environ.get("REINTEGRA_INSIGHTS_STALE_SECONDS", "3600")))
# The success predictor (livelihoods/prediction.py) is worked out at most this often, and afresh
# whenever an outcome or a labour-market figure is recorded: at a million cases it reads every outcome.
# A supervisor's lost-contact queue (plans/lost_contact.py) and the team's overdue counts (home page)
# are worked out at most this often per agency: at a million cases each reads the agency's whole history.
SUPERVISOR_QUEUES_SECONDS = max(0, int(os.environ.get("REINTEGRA_SUPERVISOR_QUEUES_SECONDS", "300")))
PREDICTOR_SECONDS = max(0, int(os.environ.get("REINTEGRA_PREDICTOR_SECONDS", "600")))
# PostgreSQL's memory for one sort or hash while a dashboard's figures are worked out (SET LOCAL in
# their read transaction only): a million rows grouped by several filter dimensions spill to disk at
# the default 4 MB (docs/benchmarks.md). Per sort, per connection: mind the app servers' count.
INSIGHTS_WORK_MEM = os.environ.get("REINTEGRA_INSIGHTS_WORK_MEM", "64MB")
if not re.fullmatch(r"[1-9][0-9]*(kB|MB|GB)", INSIGHTS_WORK_MEM):
    raise ImproperlyConfigured(
        f"REINTEGRA_INSIGHTS_WORK_MEM={INSIGHTS_WORK_MEM!r}: give a whole number with kB, MB or GB, such as 64MB."
    )

# --- Security. HTTPS is assumed; REINTEGRA_HTTPS=0 is for serving plain HTTP on loopback only.
HTTPS = env_flag("REINTEGRA_HTTPS", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_flag("BEHIND_PROXY", False) else None
# How many proxies in front append to X-Forwarded-For: the client is that many entries from the
# right (reintegra/middleware.py, client_ip). 0 ignores the header.
REINTEGRA_TRUSTED_PROXIES = max(
    0, int(os.environ.get("REINTEGRA_TRUSTED_PROXIES", "1" if SECURE_PROXY_SSL_HEADER else "0"))
)
# Strict: no inline script or style anywhere, nothing from another origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# --- Languages: English, Thai, Filipino. Django ships no locale info for Filipino: add it.
LANG_INFO["fil"] = {"bidi": False, "code": "fil", "name": "Filipino", "name_local": "Filipino"}
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("th", _("Thai")), ("fil", _("Filipino"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["reintegra.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Bangkok")
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files, served by WhiteNoise (no CDN: everything is local).
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

# --- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Authorization: Token <key>`, the key checked against its stored hash, expiry and revocation.
        "reintegra.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "reintegra.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "reintegra.api.exception_handler",
    # JSON refusing deep nesting and non-finite numbers (issue 12); forms and files as DRF's defaults.
    "DEFAULT_PARSER_CLASSES": [
        "reintegra.api.JSONParser",
        "reintegra.api.FormParser",
        "reintegra.api.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "reintegra API",
    "DESCRIPTION": "The referral network, cases and reintegration of returnees. Token or session auth.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Two apps have a "stage" and a "type": name their enums apart in the schema.
    "ENUM_NAME_OVERRIDES": {
        "CaseStageEnum": "reintegra.cases.choices.Stage",
        "ServiceStageEnum": "reintegra.network.choices.Stage",
        "AgencyTypeEnum": "reintegra.network.choices.AgencyType",
        "HistoryTypeEnum": "reintegra.cases.choices.HistoryType",
        "IdentityDocumentTypeEnum": "reintegra.cases.serializers.IDENTITY_DOCUMENT_TYPES",
        "LanguageEnum": "reintegra.network.choices.Language",
        "PriorityEnum": "reintegra.plans.choices.Priority",
        "PlanActionKindEnum": "reintegra.plans.choices.ActionKind",
        "PlacementKindEnum": "reintegra.livelihoods.choices.PlacementKind",
        "EducationEnum": "reintegra.cases.choices.Education",
        "EnrolmentStatusEnum": "reintegra.livelihoods.choices.EnrolmentStatus",
        "ClosureReasonEnum": "reintegra.cases.choices.ClosureReason",
    },
    # Enums as components, then every error each operation can answer, with the one error shape
    # (reintegra/api.py; checked by the API fuzz, tests/test_api_fuzz.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "reintegra.api.document_errors",
    ],
}

# --- E-mail (issue 16, notifications): SMTP in production, set by the environment (EMAIL_HOST,
# EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS / EMAIL_USE_SSL); without EMAIL_HOST
# the mails are written to the console (development). EMAIL_BACKEND may name another backend.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "reintegra <noreply@localhost>")
# The address of the site, for the links in e-mails (they need sign-in and carry no personal data).
SITE_URL = os.environ.get("REINTEGRA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Background work: Django's tasks framework (backport) on the database, run by `db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- HTCDS import pages (issue 14, docs/decisions/0027): the largest file a supervisor may upload,
# and the number of rows above which its preview and its import run as background work.
EXCHANGE_IMPORT_MAX_BYTES = int(os.environ.get("REINTEGRA_IMPORT_MAX_BYTES", str(25 * 1024 * 1024)))
EXCHANGE_IMPORT_BACKGROUND_ROWS = int(os.environ.get("REINTEGRA_IMPORT_BACKGROUND_ROWS", "2000"))
# The CTDC file asked for on the insights pages (decisions/0032): made in the request while the
# network has at most this many cases consenting to statistics, in the background above.
EXCHANGE_CTDC_BACKGROUND_CASES = int(os.environ.get("REINTEGRA_CTDC_BACKGROUND_CASES", "20000"))

# --- Retention (decisions/0029-retention-and-erasure): this many whole years after a case is closed,
# `reintegra retention apply` erases its returnee's identifying data and keeps the case as
# de-identified statistics. Ten years by default: long enough for a returnee who comes back, for
# a prosecution and for a funder's audit. REINTEGRA_RETENTION_YEARS sets it (at least 1).
RETENTION_YEARS_AFTER_CLOSURE = max(1, int(os.environ.get("REINTEGRA_RETENTION_YEARS", "10")))

# --- Lost contact (issue 16): this many follow-ups missed in a row (plans/lost_contact.py) put a case
# in its supervisor's queue, never a silent closure. REINTEGRA_LOST_CONTACT_MISSED sets it (at least 1).
LOST_CONTACT_MISSED = max(1, int(os.environ.get("REINTEGRA_LOST_CONTACT_MISSED", "3")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Returnees' feedback (issue 16): a feedback link works once and for this many days; this many
# wrong codes or links from one address in the window are refused until the window passes.
FEEDBACK_LINK_DAYS = max(1, int(os.environ.get("REINTEGRA_FEEDBACK_LINK_DAYS", "30")))
FEEDBACK_WRONG_CODE_LIMIT = 10
FEEDBACK_WRONG_CODE_MINUTES = 15
