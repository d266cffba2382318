"""gridcare settings, read from the environment.

Every setting a deployment changes comes from an environment variable; the defaults give a
working single-machine demo (SQLite file in the working folder, DEBUG on only when asked).
"""

import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _default_data_dir() -> Path:
    """`var/` of the source checkout gridcare runs from; an installed package uses the user's data folder.

    Never the current folder: `gridcare ...` from cron, a service manager or another folder opens the same
    database as `make demo` does.
    """
    checkout = BASE_DIR.parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "src" / "gridcare").is_dir():
        return checkout / "var"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "gridcare"


DATA_DIR = Path(os.environ.get("GRIDCARE_DATA_DIR") or _default_data_dir()).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Without SECRET_KEY only a developer's machine starts: DEBUG=1, GRIDCARE_DEV=1 (`make demo` and the benchmarks
# set it) or a test run, with a fixed, public key that `gridcare check --deploy` flags. Anything else refuses
# to start, with a message rather than a traceback.
# The translation tools only read and write catalogue files, so they need no key either.
DEVELOPMENT = (
    DEBUG or env_bool("GRIDCARE_DEV") or "pytest" in sys.modules
    or sys.argv[1:2] in (["compilemessages"], ["makemessages"])
)  # fmt: skip
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise SystemExit(
            "gridcare: SECRET_KEY is not set. Production needs a long random key that stays the same across "
            "restarts, e.g. SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\" "
            "(see docs/deployment.md). On a developer's machine set GRIDCARE_DEV=1 instead."
        )
    SECRET_KEY = "django-insecure-gridcare-development-key-change-me"  # noqa: S105 - public on purpose
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "gridcare.core",
    "gridcare.org",
    "gridcare.network",
    "gridcare.customers",
    "gridcare.metering",
    "gridcare.tariffs",
    "gridcare.billing",
    "gridcare.payments",
    "gridcare.flexibility",
    "gridcare.outages",
    "gridcare.servicedesk",
    "gridcare.campaigns",
    "gridcare.notifications",
    "gridcare.insights",
    "gridcare.backoffice",
    "gridcare.portal",
    "gridcare.api",
    "gridcare.demo",
]

MIDDLEWARE = [
    "gridcare.core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "gridcare.core.middleware.PermissionsPolicyMiddleware",
    "gridcare.core.request_limits.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gridcare.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gridcare.core.middleware.StaffSessionExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gridcare.core.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "gridcare.urls"
WSGI_APPLICATION = "gridcare.wsgi.application"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

_DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'gridcare.sqlite3'}"
# PostgreSQL keeps its connections (10 minutes) instead of a new one per request: a new backend per request
# (fork, authentication, catalogue caches, the triggers' PL/pgSQL compiled again) was most of a gateway
# callback's cost under gunicorn (benchmarks/README.md, payments 2026-12-01). A kept connection is checked
# (`CONN_HEALTH_CHECKS`) before a request reuses it, so a restarted database costs no failed request.
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        conn_max_age=int(
            os.environ.get("DB_CONN_MAX_AGE", "600" if _DATABASE_URL.startswith("postgres") else "0")
        ),
        conn_health_checks=os.environ.get("DB_CONN_HEALTH_CHECKS", "1") == "1",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not os.environ.get("DATABASE_URL"):
        DATA_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default needs its folder, nothing else
    # WAL lets the web process read while a worker or an import writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "gridcare.customers.auth.CustomerCodeBackend",
]
LOGIN_URL = "portal:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English")), ("fr", _("Français"))]
# Each app keeps its own catalogue in <app>/locale (Django finds them); no project-wide catalogue overrides them.
LOCALE_PATHS: list = []
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS: list = []
NODE_MODULES_DIR = Path(os.environ.get("GRIDCARE_NODE_MODULES", BASE_DIR.parent.parent / "node_modules"))
if NODE_MODULES_DIR.is_dir():
    # Front-end assets are installed from the npm registry at setup (package-lock.json), never copied. Only the
    # runtime "dependencies" are served; "devDependencies" (axe-core for the browser tests) never reach users.
    _PACKAGE_JSON = NODE_MODULES_DIR.parent / "package.json"
    if _PACKAGE_JSON.is_file():
        for _name in json.loads(_PACKAGE_JSON.read_text(encoding="utf-8")).get("dependencies", {}):
            if (NODE_MODULES_DIR / _name).is_dir():
                STATICFILES_DIRS.append((f"vendor/{_name}", NODE_MODULES_DIR / _name))
    else:
        STATICFILES_DIRS.append(("vendor", NODE_MODULES_DIR))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            # Hashed names once `collectstatic` has written its manifest (production, `make demo`); plain names
            # before that (tests, development), so that pages render without a collectstatic step.
            if env_bool("GRIDCARE_MANIFEST_STATIC", (STATIC_ROOT / "staticfiles.json").exists())
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# Security: production settings must pass `gridcare check --deploy`.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp) on every response: scripts, styles, images and connections from this
# site only; an inline <script>/<style> runs only with the response's nonce (`{{ request.csp_nonce }}`), an
# inline style="" attribute never. No plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF, CSP_NONCE],
        "style-src": [CSP_SELF, CSP_NONCE],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "manifest-src": [CSP_SELF],
        "worker-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_NONE],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    },
}
# Powerful browser features no gridcare page uses are switched off for the pages and anything they embed
# (push notifications are not a Permissions-Policy feature: the portal asks for them as before).
GRIDCARE_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), serial=(), usb=()"
)
# Customers stay signed in for Django's two weeks (SESSION_COOKIE_AGE); staff sessions end after a working
# day without a request (core.middleware.StaffSessionExpiryMiddleware).
GRIDCARE_STAFF_SESSION_IDLE_SECONDS = int(
    os.environ.get("GRIDCARE_STAFF_SESSION_IDLE_SECONDS", str(9 * 3600))
)

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background work: Django's Tasks API (backport). The database backend (default) needs nothing but the database
# and one `gridcare db_worker`; for many machines, TASKS_BACKEND=gridcare.core.tasks_rq.RQBackend puts the queue in
# Redis (REDIS_URL) and `gridcare rqworker --job-class django_tasks_rq.Job --with-scheduler default` workers take
# from it (docs/deployment.md). Nothing else in the code changes.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
GRIDCARE_TASKS_RQ = TASKS["default"]["BACKEND"] in {
    "gridcare.core.tasks_rq.RQBackend",
    "django_tasks_rq.RQBackend",
}
if GRIDCARE_TASKS_RQ:
    if not os.environ.get("REDIS_URL"):
        raise SystemExit(
            "gridcare: the RQ task backend needs REDIS_URL (redis://host:6379/0), see docs/deployment.md."
        )
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # gridcare's subclass: a task with a priority goes to the front of the queue instead of being refused.
    TASKS["default"].update(BACKEND="gridcare.core.tasks_rq.RQBackend", QUEUES=["default"])
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("GRIDCARE_RQ_URL", os.environ["REDIS_URL"]),
            "DEFAULT_TIMEOUT": 3600,
        }
    }

# A bill run started in the background is billed in chunks, one task each, by any number of workers
# (billing.tasks); a chunk not finished this long after it was queued is queued again.
GRIDCARE_BILL_RUN_CHUNK_SIZE = int(os.environ.get("GRIDCARE_BILL_RUN_CHUNK_SIZE", "20000"))
GRIDCARE_BILL_RUN_CHUNK_LEASE_SECONDS = int(os.environ.get("GRIDCARE_BILL_RUN_CHUNK_LEASE_SECONDS", "600"))
GRIDCARE_BILL_RUN_WATCH_SECONDS = int(os.environ.get("GRIDCARE_BILL_RUN_WATCH_SECONDS", "30"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gridcare.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the browsable HTML API would need inline styles (the CSP forbids them); /api/v1/docs/ documents it.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gridcare.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "gridcare.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "gridcare.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
}
# Request and upload caps. Django caps form fields (not files) at DATA_UPLOAD_MAX_MEMORY_SIZE and keeps uploads
# up to FILE_UPLOAD_MAX_MEMORY_SIZE in memory (larger ones go to a temporary file); RequestLimitsMiddleware
# refuses any body larger than GRIDCARE_REQUEST_MAX_BYTES (413) before it is read, except the reading import,
# which takes files (and JSON) up to GRIDCARE_IMPORT_MAX_BYTES, as `gridcare import-readings` does.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
GRIDCARE_REQUEST_MAX_BYTES = int(
    os.environ.get("GRIDCARE_REQUEST_MAX_BYTES", str(DATA_UPLOAD_MAX_MEMORY_SIZE))
)
GRIDCARE_IMPORT_MAX_BYTES = int(os.environ.get("GRIDCARE_IMPORT_MAX_BYTES", str(100 * 1_048_576)))
# An XLSX import is refused when its ZIP members would expand past this (checked before openpyxl opens it).
GRIDCARE_IMPORT_MAX_XLSX_EXPANDED_BYTES = int(
    os.environ.get("GRIDCARE_IMPORT_MAX_XLSX_EXPANDED_BYTES", str(512 * 1_048_576))
)
# Paths whose requests may be larger than GRIDCARE_REQUEST_MAX_BYTES (64 KiB more for the multipart envelope).
GRIDCARE_REQUEST_MAX_BYTES_BY_PATH = {"/api/v1/readings/imports": GRIDCARE_IMPORT_MAX_BYTES + 65_536}

# Service desk (docs/servicedesk.md): working hours of the business calendar (hours-based promises count only
# these minutes, local time, Monday to Friday outside public holidays and the utility's days off), when a
# warning is due for hours-based promises (the share of the promise that has passed), and photo uploads.
# The portal's address as customers reach it, for links in messages (a survey's link).
GRIDCARE_PORTAL_URL = os.environ.get("GRIDCARE_PORTAL_URL", "http://127.0.0.1:8000")
GRIDCARE_SERVICEDESK_WORKING_HOURS = os.environ.get(
    "GRIDCARE_SERVICEDESK_WORKING_HOURS", "07:00-11:30,13:00-16:30"
)
GRIDCARE_SERVICEDESK_WARN_FRACTION = float(os.environ.get("GRIDCARE_SERVICEDESK_WARN_FRACTION", "0.75"))
GRIDCARE_SERVICEDESK_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("GRIDCARE_SERVICEDESK_ATTACHMENT_MAX_BYTES", str(6 * 1_048_576))
)
GRIDCARE_SERVICEDESK_ATTACHMENTS_PER_UPLOAD = 3
GRIDCARE_SERVICEDESK_IMAGE_MAX_PIXELS = int(os.environ.get("GRIDCARE_SERVICEDESK_IMAGE_MAX_PIXELS", "1600"))
# The forms that carry photos take up to three of them in one request.
for _photo_path in ("/requests/new/", "/backoffice/field/sync/", "/api/v1/service-requests"):
    GRIDCARE_REQUEST_MAX_BYTES_BY_PATH[_photo_path] = (
        GRIDCARE_SERVICEDESK_ATTACHMENT_MAX_BYTES * GRIDCARE_SERVICEDESK_ATTACHMENTS_PER_UPLOAD + 65_536
    )
# JSON bodies of the API nest at most this deep (deeper is a 400, never a parser recursion).
GRIDCARE_API_MAX_JSON_DEPTH = 32

SPECTACULAR_SETTINGS = {
    "TITLE": "gridcare API",
    "DESCRIPTION": "Customer care for electricity distribution companies: accounts, readings and imports, tariffs and quotes, bills and bill runs.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "OutageKindEnum": "gridcare.outages.models.OutageKind",
        "OutageStatusEnum": "gridcare.outages.models.OutageStatus",
    },
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "gridcare <no-reply@gridcare.invalid>")

# Sign-in throttling: customer codes are printed on bills, so they are not secrets.
GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("GRIDCARE_LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))
GRIDCARE_LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("GRIDCARE_LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
GRIDCARE_LOGIN_WINDOW_SECONDS = int(os.environ.get("GRIDCARE_LOGIN_WINDOW_SECONDS", "900"))
# Wrong one-time codes have counters of their own: they lock the code sign-in, not the password sign-in.
GRIDCARE_OTP_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("GRIDCARE_OTP_MAX_FAILURES_PER_ACCOUNT", "5"))
GRIDCARE_OTP_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("GRIDCARE_OTP_MAX_FAILURES_PER_ADDRESS", "20"))
# Code requests per address and per hour, and codes sent per hour in all (SMS pumping; 0 = no cap).
GRIDCARE_OTP_MAX_REQUESTS_PER_ADDRESS_PER_HOUR = int(
    os.environ.get("GRIDCARE_OTP_MAX_REQUESTS_PER_ADDRESS_PER_HOUR", "10")
)
GRIDCARE_OTP_MAX_PER_HOUR_GLOBAL = int(os.environ.get("GRIDCARE_OTP_MAX_PER_HOUR_GLOBAL", "2000"))
# Reverse proxies in front of gridcare that append the client's address to X-Forwarded-For (0: none, the
# header is ignored). Behind the TLS proxy (BEHIND_TLS_PROXY) one is assumed unless said otherwise.
GRIDCARE_TRUSTED_PROXY_COUNT = int(
    os.environ.get("GRIDCARE_TRUSTED_PROXY_COUNT", "1" if env_bool("BEHIND_TLS_PROXY") else "0")
)
# Staff must confirm a TOTP code to use the back office (off only for automated local tests).
GRIDCARE_STAFF_REQUIRE_2FA = env_bool("GRIDCARE_STAFF_REQUIRE_2FA", True)
# A two-factor enrolment link (issued by an administrator for a staff member without a device) expires.
GRIDCARE_2FA_ENROLMENT_LINK_TTL_HOURS = int(os.environ.get("GRIDCARE_2FA_ENROLMENT_LINK_TTL_HOURS", "72"))
# API tokens expire; only their hash is stored.
GRIDCARE_API_TOKEN_TTL_HOURS = int(os.environ.get("GRIDCARE_API_TOKEN_TTL_HOURS", "720"))

# DRF's throttles count the same address as gridcare's (gridcare.core.clientaddress); DRF's default (None)
# would believe any X-Forwarded-For a client sends.
REST_FRAMEWORK["NUM_PROXIES"] = GRIDCARE_TRUSTED_PROXY_COUNT

# Logs go to standard error, one JSON object per line outside development (GRIDCARE_LOG_FORMAT=json|text), each
# with the request id and client address of the request it belongs to (gridcare.core.observability); errors
# carry their stack trace. GRIDCARE_ACCESS_LOG=1 (`gridcare serve` sets it) adds one line per request.
GRIDCARE_LOG_FORMAT = os.environ.get("GRIDCARE_LOG_FORMAT", "text" if DEVELOPMENT else "json")
GRIDCARE_ACCESS_LOG = env_bool("GRIDCARE_ACCESS_LOG", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "gridcare.core.observability.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "gridcare.core.observability.JsonFormatter"},
        "text": {"()": "gridcare.core.observability.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": "json" if GRIDCARE_LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Django's own handlers would print 500s a second time, without the request id.
        "django": {
            "handlers": ["console"],
            "level": os.environ.get("LOG_LEVEL", "WARNING"),
            "propagate": False,
        },
        "gridcare.request": {"level": "INFO"},
    },
}

# Bills as documents and VietQR transfers (docs/billing.md). The collection account receives bank transfers;
# the demo values are a made-up account at Vietcombank's BIN.
GRIDCARE_VIETQR_BANK_BIN = os.environ.get("GRIDCARE_VIETQR_BANK_BIN", "970436")
GRIDCARE_VIETQR_ACCOUNT_NUMBER = os.environ.get("GRIDCARE_VIETQR_ACCOUNT_NUMBER", "0011009999888")
GRIDCARE_VIETQR_ACCOUNT_NAME = os.environ.get("GRIDCARE_VIETQR_ACCOUNT_NAME", "CONG TY DIEN LUC GRIDCARE")
GRIDCARE_VIETQR_BANK_NAME = os.environ.get("GRIDCARE_VIETQR_BANK_NAME", "Vietcombank")
# The seller printed on each bill, per company unit (Unit.code): name, tax code, address, and the two letters
# that end its e-invoice series (C26T + letters). A company not listed is printed with its unit name.
GRIDCARE_INVOICE_SELLERS: dict[str, dict[str, str]] = {}
GRIDCARE_INVOICE_SELLER_DEFAULT = {"tax_code": "0300000000", "address": ""}
# E-invoice form number (mẫu số 1: hoá đơn giá trị gia tăng, Circular 78/2021).
GRIDCARE_INVOICE_FORM = "1"
# Days from issue to the due date, per account purpose (customers.Purpose); others use GRIDCARE_BILL_DUE_DAYS.
GRIDCARE_BILL_DUE_DAYS = int(os.environ.get("GRIDCARE_BILL_DUE_DAYS", "10"))
GRIDCARE_BILL_DUE_DAYS_BY_PURPOSE = {
    "residential": 10,
    "business": 7,
    "production": 7,
    "administrative": 15,
    "public_service": 15,
}
GRIDCARE_INVOICE_LOOKUP_URL = os.environ.get(
    "GRIDCARE_INVOICE_LOOKUP_URL", ""
)  # where buyers look invoices up by code
# Payment gateways (docs/payments.md). The defaults are the demo's local sandbox gateways
# (`gridcare payments-sandbox`, started by `make demo`); production sets the merchant's own values.
_SANDBOX = os.environ.get("GRIDCARE_PAYMENTS_SANDBOX_URL", "http://127.0.0.1:8010").rstrip("/")
GRIDCARE_VNPAY_TMN_CODE = os.environ.get("GRIDCARE_VNPAY_TMN_CODE", "GRIDDEMO")
GRIDCARE_VNPAY_HASH_SECRET = os.environ.get("GRIDCARE_VNPAY_HASH_SECRET", "GRIDCARESANDBOXVNPAYSECRET00000")
GRIDCARE_VNPAY_PAY_URL = os.environ.get("GRIDCARE_VNPAY_PAY_URL", f"{_SANDBOX}/vnpay/paymentv2/vpcpay.html")
GRIDCARE_VNPAY_QUERY_URL = os.environ.get(
    "GRIDCARE_VNPAY_QUERY_URL", f"{_SANDBOX}/vnpay/merchant_webapi/api/transaction"
)
GRIDCARE_ZALOPAY_APP_ID = os.environ.get("GRIDCARE_ZALOPAY_APP_ID", "2553")
GRIDCARE_ZALOPAY_KEY1 = os.environ.get("GRIDCARE_ZALOPAY_KEY1", "gridcare-sandbox-zalopay-key1")
GRIDCARE_ZALOPAY_KEY2 = os.environ.get("GRIDCARE_ZALOPAY_KEY2", "gridcare-sandbox-zalopay-key2")
GRIDCARE_ZALOPAY_CREATE_URL = os.environ.get("GRIDCARE_ZALOPAY_CREATE_URL", f"{_SANDBOX}/zalopay/v2/create")
GRIDCARE_ZALOPAY_QUERY_URL = os.environ.get("GRIDCARE_ZALOPAY_QUERY_URL", f"{_SANDBOX}/zalopay/v2/query")
# Refunds (ZaloPay v2 /v2/refund and /v2/query_refund; VNPAY's refund goes to GRIDCARE_VNPAY_QUERY_URL) and the
# gateways' daily lists for the reconciliation (the sandbox serves them; docs/payments.md says what real ones offer).
GRIDCARE_ZALOPAY_REFUND_URL = os.environ.get("GRIDCARE_ZALOPAY_REFUND_URL", f"{_SANDBOX}/zalopay/v2/refund")
GRIDCARE_ZALOPAY_QUERY_REFUND_URL = os.environ.get(
    "GRIDCARE_ZALOPAY_QUERY_REFUND_URL", f"{_SANDBOX}/zalopay/v2/query_refund"
)
GRIDCARE_VNPAY_SETTLEMENT_URL = os.environ.get(
    "GRIDCARE_VNPAY_SETTLEMENT_URL", f"{_SANDBOX}/vnpay/settlement"
)
GRIDCARE_ZALOPAY_SETTLEMENT_URL = os.environ.get(
    "GRIDCARE_ZALOPAY_SETTLEMENT_URL", f"{_SANDBOX}/zalopay/settlement"
)
# Where gateways reach this site (ZaloPay's callback_url, VNPAY's return URL); VNPAY's IPN URL is registered
# with VNPAY for the merchant code, as https://<site>/payments/vnpay/ipn/.
GRIDCARE_PAYMENTS_SITE_URL = os.environ.get("GRIDCARE_PAYMENTS_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A payment order not paid within this many minutes expires at the gateway; one still pending (no callback)
# this many minutes after it was made is asked about (payments.tasks.payment_order_query).
GRIDCARE_PAYMENT_ORDER_MINUTES = int(os.environ.get("GRIDCARE_PAYMENT_ORDER_MINUTES", "15"))
GRIDCARE_PAYMENT_QUERY_AFTER_MINUTES = int(os.environ.get("GRIDCARE_PAYMENT_QUERY_AFTER_MINUTES", "20"))
# The pay form's answer redirects the browser to the gateway: the Content-Security-Policy's form-action must
# allow the gateways' pay pages (VNPAY's pay URL; ZaloPay's order_url host, e.g. https://qcgateway.zalopay.vn).
GRIDCARE_PAYMENT_FORM_ORIGINS = env_list(
    "GRIDCARE_PAYMENT_FORM_ORIGINS",
    ",".join(sorted({"{0.scheme}://{0.netloc}".format(urlsplit(GRIDCARE_VNPAY_PAY_URL)), _SANDBOX})),
)
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = [CSP_SELF, *GRIDCARE_PAYMENT_FORM_ORIGINS]
