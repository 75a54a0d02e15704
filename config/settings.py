"""Settings for every environment, read from environment variables.

Production is a set of variables, not a module: see README.md ("Configuration").
Without any variable set, the suite runs embedded: SQLite under var/, Celery eager,
local-memory cache, DEBUG on.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=True)

# A development key only while DEBUG is on; a production process refuses to start without one.
_DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY: str = env.str("SECRET_KEY", default=_DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and SECRET_KEY == _DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must not be the development key when DEBUG is off.")

# Personal data (national ID numbers) is encrypted under these keys and looked up by a keyed
# hash; see core/crypto.py. Development values only while DEBUG is on.
_DEVELOPMENT_PERSONAL_DATA_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rZXktMzItYnl0ZXMtISE="
PERSONAL_DATA_KEYS: list[str] = env.list(
    "PERSONAL_DATA_KEYS", default=[_DEVELOPMENT_PERSONAL_DATA_KEY] if DEBUG else []
)
PERSONAL_DATA_HASH_KEY: str = env.str(
    "PERSONAL_DATA_HASH_KEY", default="development-only-hash-key" if DEBUG else ""
)
if not DEBUG and (not PERSONAL_DATA_KEYS or not PERSONAL_DATA_HASH_KEY):
    raise ImproperlyConfigured(
        "PERSONAL_DATA_KEYS and PERSONAL_DATA_HASH_KEY must be set when DEBUG is off."
    )
if not DEBUG and _DEVELOPMENT_PERSONAL_DATA_KEY in PERSONAL_DATA_KEYS:
    raise ImproperlyConfigured("PERSONAL_DATA_KEYS must not hold the development key.")

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "simple_history",
    "axes",
    "core",
    "stations",
    "matching",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, with the API's language from Accept-Language rather than the URL.
    "core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET, and 304 when the client has it: phones on weak networks revalidate
    # job lists and details for a few bytes.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for too many failures into axes' lockout answer.
    "axes.middleware.AxesMiddleware",
]

# Axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force lockout of the admin and staff logins: five failures for one username from one
# address lock that pair out for 15 minutes (a username alone would let anyone lock a clerk
# out; an address alone would lock a whole station behind one NAT). Per-address throttling
# of the API login is on top (API_THROTTLE_RATES["staff_login"]).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address as the API's throttles see it (NUM_PROXIES), not the proxy's.
AXES_CLIENT_IP_CALLABLE = "core.rest.client_address"
# Staff tokens last a working day or so; seekers' phones stay logged in longer (REST_KNOX).
STAFF_TOKEN_TTL = dt.timedelta(hours=env.int("STAFF_TOKEN_HOURS", default=12))

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Off behind a pooler in transaction mode that cannot keep prepared statements (PgBouncer
# before 1.21, or without max_prepared_statements): core.db then prepares nothing.
DATABASE_PREPARED_STATEMENTS: bool = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'oddjobs.sqlite3'}"),
}
_default_db = DATABASES["default"]
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    if str(_default_db["NAME"]) != ":memory:":
        Path(_default_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers serialise instead of
    # one failing with "database is locked" half-way (SQLite ignores SELECT ... FOR UPDATE).
    _default_db.setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
elif _default_db["ENGINE"] in {
    "django.db.backends.postgresql",
    "django.contrib.gis.db.backends.postgis",
}:
    _default_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    _default_db["CONN_HEALTH_CHECKS"] = True
    _default_db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    if DATABASE_PREPARED_STATEMENTS:
        # core.db prepares the API's busiest statements (the jobs near a point, the token);
        # Django's own queries bind their parameters on the client and are never prepared,
        # and nothing is prepared without asking (psycopg's threshold, out of reach).
        _default_db["OPTIONS"].setdefault("prepare_threshold", 2**31 - 1)
        # Planned once for any parameters: planning them anew took longer than running them.
        _default_db["OPTIONS"]["options"] = " ".join(
            [_default_db["OPTIONS"].get("options", ""), "-c plan_cache_mode=force_generic_plan"]
        ).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, Celery --------------------------------------------------------------------
REDIS_URL: str = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "oddjobs",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL: str = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND: str | None = (
    env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "") or None
)
# Without Redis there is no worker: tasks run in-process. Callers enqueue them with
# transaction.on_commit, so "eager" still means "after commit".
CELERY_TASK_ALWAYS_EAGER: bool = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT: int = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT: int = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# Redelivery of an unacknowledged task waits for the visibility timeout: keep it above every
# task's hard time limit, or a long task would be handed to a second worker while it runs.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Matching and notifications have queues of their own, so that a slow gateway or a nightly
# re-match never holds up the other; workers consume "celery,matching,notifications".
CELERY_TASK_DEFAULT_QUEUE = "celery"
MATCHING_QUEUE: str = env.str("CELERY_MATCHING_QUEUE", default="matching")
NOTIFICATIONS_QUEUE: str = env.str("CELERY_NOTIFICATIONS_QUEUE", default="notifications")
CELERY_TASK_ROUTES = {
    "matching.match_post": {"queue": MATCHING_QUEUE},
    "matching.match_seeker": {"queue": MATCHING_QUEUE},
    "matching.rematch_posts": {"queue": MATCHING_QUEUE},
    "matching.rematch_all": {"queue": MATCHING_QUEUE},
    "matching.dispatch_notifications": {"queue": NOTIFICATIONS_QUEUE},
    "matching.sweep_notifications": {"queue": NOTIFICATIONS_QUEUE},
}
# A worker counts as alive while its heartbeat in Redis is younger than this (seconds).
CELERY_WORKER_HEARTBEAT_TTL: int = env.int("CELERY_WORKER_HEARTBEAT_TTL", default=30)

# --- Notifications ----------------------------------------------------------------------------
# Channels behind one interface (matching.channels.base.Channel), chosen here. The in-app
# inbox is the outbox itself and always on; the others default to the console channel, which
# logs the message, until a gateway is configured.
NOTIFICATION_CHANNELS: dict[str, dict[str, object]] = {
    "sms": {
        "BACKEND": env.str("SMS_BACKEND", default="matching.channels.console.ConsoleChannel"),
        "OPTIONS": {
            "url": env.str("SMS_GATEWAY_URL", default=""),
            "api_key": env.str("SMS_GATEWAY_KEY", default=""),
            "sender": env.str("SMS_SENDER", default="oddjobs"),
        },
    },
    "push": {
        "BACKEND": env.str("PUSH_BACKEND", default="matching.channels.console.ConsoleChannel"),
        "OPTIONS": {
            "url": env.str("FCM_URL", default="https://fcm.googleapis.com"),
            "project_id": env.str("FCM_PROJECT_ID", default=""),
            "access_token": env.str("FCM_ACCESS_TOKEN", default=""),
        },
    },
    "wechat": {
        "BACKEND": env.str("WECHAT_BACKEND", default="matching.channels.console.ConsoleChannel"),
        "OPTIONS": {
            "url": env.str("WECHAT_URL", default="https://api.weixin.qq.com"),
            "access_token": env.str("WECHAT_ACCESS_TOKEN", default=""),
            "template_ids": env.dict("WECHAT_TEMPLATE_IDS", default={}),
        },
    },
}
# A gateway gets this long per message before the attempt counts as failed (seconds).
NOTIFICATION_SEND_TIMEOUT: float = env.float("NOTIFICATION_SEND_TIMEOUT", default=10.0)
# A claimed message not finished within the lease is taken back by the sweep (seconds); above
# the send timeout, so a slow but live send is never doubled.
NOTIFICATION_LEASE_SECONDS: int = env.int("NOTIFICATION_LEASE_SECONDS", default=60)
NOTIFICATION_MAX_ATTEMPTS: int = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
# The sweep leaves a just-enqueued message this long to its task before enqueuing it again.
NOTIFICATION_SWEEP_GRACE_SECONDS: int = env.int("NOTIFICATION_SWEEP_GRACE_SECONDS", default=60)
# Job pushes per person and local day, over all channels but the in-app inbox.
NOTIFICATION_DAILY_CAP: int = env.int("NOTIFICATION_DAILY_CAP", default=5)
# No SMS or app push in these local hours (from, until); login codes are exempt.
NOTIFICATION_QUIET_HOURS: tuple[int, int] = (
    env.int("NOTIFICATION_QUIET_FROM", default=22),
    env.int("NOTIFICATION_QUIET_UNTIL", default=8),
)

# --- Matching ---------------------------------------------------------------------------------
# How many seekers a newly opened post is pushed to, and how many recommendations are kept.
MATCHING_PUSH_TOP: int = env.int("MATCHING_PUSH_TOP", default=10)
MATCHING_TOP_K: int = env.int("MATCHING_TOP_K", default=20)

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
if DEBUG:
    # WhiteNoise serves from the finders while debugging but still expects the folder
    # that collectstatic fills in production.
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security ---------------------------------------------------------------------------------
# Production sits behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# /healthz is polled over plain HTTP by the orchestrator inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS: int = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD: bool = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE: bool = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE: bool = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600  # one working day at the counter
X_FRAME_OPTIONS = "DENY"

# --- REST framework ---------------------------------------------------------------------------
NUM_PROXIES: int = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES must be 0 or more.")
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Apps and tablets send "Authorization: Token …" (knox: stored as a digest, expiring,
    # revocable per device); the browsable API and the admin's own calls use the session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.rest.Pagination",
    # Apps and tablets send JSON; one request format keeps the contract (and clients
    # generated from it) simple.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # DRF's JSON written by orjson (core/renderers.py); the browsable API for people.
    "DEFAULT_RENDERER_CLASSES": [
        "core.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["core.rest.UserThrottle", "core.rest.AnonThrottle"],
    # Proxies in front that append to X-Forwarded-For: the client's address is the one the
    # outermost of them saw. 0 (the default) ignores the header, which anyone can forge;
    # behind the TLS-terminating proxy set 1, or every client shares the proxy's address.
    "NUM_PROXIES": NUM_PROXIES,
    "PAGE_SIZE": 20,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
}
API_THROTTLE_RATES: dict[str, str] = {
    "user": env.str("API_THROTTLE_USER", default="600/min"),
    "anon": env.str("API_THROTTLE_ANON", default="60/min"),
    "staff_login": env.str("API_THROTTLE_STAFF_LOGIN", default="30/min"),
    # Login-code checks (POST auth/token), on top of the 5 attempts each code allows: per phone
    # (a legitimate user mistypes a few times), and per address (5 tries for each of the
    # LOGIN_CODES_PER_IP_PER_HOUR codes an address may ask for).
    "login_verify_phone": env.str("API_THROTTLE_LOGIN_VERIFY_PHONE", default="10/hour"),
    "login_verify_address": env.str("API_THROTTLE_LOGIN_VERIFY_ADDRESS", default="150/hour"),
}
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env.int("API_TOKEN_DAYS", default=30)),
    "TOKEN_LIMIT_PER_USER": 10,  # devices per seeker
    "AUTO_REFRESH": True,  # a phone in use stays logged in; one unused for TOKEN_TTL does not
    "AUTH_HEADER_PREFIX": "Token",
}
# Self-registration by phone: the region a new seeker belongs to until staff verify them (the
# city the deployment serves).
SELF_REGISTRATION_REGION: str = env.str("SELF_REGISTRATION_REGION", default="620100")
LOGIN_CODE_TTL_SECONDS = 300
LOGIN_CODE_ATTEMPTS = 5
LOGIN_CODES_PER_PHONE_PER_HOUR: int = env.int("LOGIN_CODES_PER_PHONE_PER_HOUR", default=5)
LOGIN_CODES_PER_IP_PER_HOUR: int = env.int("LOGIN_CODES_PER_IP_PER_HOUR", default=30)
SIMPLE_HISTORY_REVERT_DISABLED = True  # history is evidence: view it, never roll back

SPECTACULAR_SETTINGS = {
    "TITLE": "Odd-job stations API",
    "DESCRIPTION": "Job seekers' mobile API, station staff API and bureau rollups.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_operation_links",
    ],
    # One name per choice set, whatever the fields using it are called.
    "ENUM_NAME_OVERRIDES": {
        "WageUnitEnum": "stations.models.posts.WageUnit",
        "PostKindEnum": "stations.models.posts.PostKind",
        "StationKindEnum": "stations.models.organisation.StationKind",
        "EmployerKindEnum": "stations.models.employers.EmployerKind",
        "ApplicationStatusEnum": "stations.models.placements.ApplicationStatus",
        "PostStatusEnum": "stations.models.posts.PostStatus",
        "NotDispatchedReasonEnum": "stations.models.dispatch.NotDispatchedReason",
        "FairStatusEnum": "stations.models.fairs.FairStatus",
        "FairFormatEnum": "stations.models.fairs.FairFormat",
        "FairSeriesEnum": "stations.models.fairs.FairSeries",
        "IntentionStatusEnum": "stations.models.fairs.IntentionStatus",
        "RegistrationSourceEnum": "stations.models.fairs.RegistrationSource",
        "PlanStatusEnum": "stations.models.followup.PlanStatus",
        "ServiceKindEnum": "stations.models.followup.ServiceKind",
        "ReferralStatusEnum": "stations.models.followup.ReferralStatus",
        "OverdueKindEnum": "stations.models.followup.OverdueKind",
    },
}

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL: str = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT: str = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
if LOG_FORMAT not in {"console", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'console' or 'json'.")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "console": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Django configures its own console handler for these; route them through ours only,
        # or every line would be printed twice.
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
        # httpx logs every request at INFO: thousands a second when the outbox drains.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# --- Reporting ------------------------------------------------------------------------------
# Figures of persons, person-times or households below this (and above zero) are shown as
# suppressed in every report output, so that a small region's figure cannot point at a person.
REPORTING_SUPPRESS_BELOW: int = env.int("REPORTING_SUPPRESS_BELOW", default=0)
# Plausibility checks: a completion rate above this (percent), a month-on-month change above
# this (percent) from a month of at least REPORTING_JUMP_MIN_BASE.
REPORTING_COMPLETION_MAX: int = env.int("REPORTING_COMPLETION_MAX", default=150)
REPORTING_JUMP_MAX: int = env.int("REPORTING_JUMP_MAX", default=300)
REPORTING_JUMP_MIN_BASE: int = env.int("REPORTING_JUMP_MIN_BASE", default=20)
