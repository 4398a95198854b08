"""Bedwatch settings: one module, every value from the environment with a working default.

A fresh clone runs on SQLite with the live feed in memory; `DATABASE_URL` and `REDIS_URL`
switch to PostgreSQL and Redis. Bad values stop the start-up with a message naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
import xstatic.pkg.leaflet
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no")


def envfloat(name: str, default: str, *, minimum: float = 0.0) -> float:
    raw = os.getenv(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}")
    return value


def envint(name: str, default: str, *, minimum: int = 0) -> int:
    raw = os.getenv(name, default)
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}")
    return value


def envnetworks(name: str, default: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses or networks (`127.0.0.0/8,::1,192.0.2.10`); empty: none."""
    raw = os.getenv(name, default)
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an address or a network (e.g. 192.0.2.10, 10.0.0.0/24)"
            ) from None
    return networks


RATE_PERIODS = {
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


def envrate(name: str, default: str) -> str | None:
    """A rate such as `600/min` (per s, min, hour, day), or `off` (None)."""
    raw = os.getenv(name, default).strip()
    if raw.lower() == "off":
        return None
    match = re.fullmatch(r"(\d+)/([a-z]+)", raw)
    if not match or match[2] not in RATE_PERIODS or int(match[1]) < 1:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate: use COUNT/PERIOD (PERIOD one of s, min, hour, day), "
            "e.g. 600/min, or off"
        )
    return raw


# Off unless asked for: `make run` and the tests ask (DJANGO_DEBUG=1); production never does.
DEBUG = envbool("DJANGO_DEBUG", "0")
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = os.getenv("DJANGO_SECRET_KEY", "").strip()
if not DEBUG and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a secret of your own (50+ random characters) when "
        "DJANGO_DEBUG is off; for development on your own machine, set DJANGO_DEBUG=1."
    )
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = [
    h.strip()
    for h in os.getenv("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.getenv("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "axes",
    "channels",
    "csp",
    "regions",
    "accounts",
    "beds",
    "realtime",
    "maps",
    "fhir",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files under gunicorn (the `web:` processes), before any other work.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.QueryTextMiddleware",
    # Early: refuses a login at once while every password check is busy.
    "accounts.middleware.PasswordChecksBusyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.PrivateAnswersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lockout into its answer (429).
    "axes.middleware.AxesMiddleware",
]

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

_default_db = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.getenv("DATABASE_URL", _default_db) or _default_db,
            conn_max_age=envint("DATABASE_CONN_MAX_AGE", "0"),
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL Django can use: {exc}"
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (web, websocket snapshots, imports) share one file: wait rather than fail.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.getenv("SQLITE_TEST_NAME") or None
# Opening a PostgreSQL connection costs more than a report's queries (~5 ms): production keeps
# them, either per gunicorn worker (DATABASE_CONN_MAX_AGE) or in a pool per process.
DATABASE_POOL_MAX_SIZE = envint("DATABASE_POOL_MAX_SIZE", "0")
if DATABASE_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if DATABASES["default"].get("CONN_MAX_AGE"):
        raise ImproperlyConfigured(
            "DATABASE_CONN_MAX_AGE and DATABASE_POOL_MAX_SIZE exclude each other: set one to 0"
        )
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_MAX_SIZE,
        "timeout": 10,
    }

REDIS_URL = os.getenv("REDIS_URL", "").strip()
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://"
    )

# No CHANNEL_LAYERS: the live feed's broker is realtime/broker.py (Redis pub/sub when
# REDIS_URL is set, memory otherwise); docs/realtime.md says why not Channels' layers.
REDIS_MAX_CONNECTIONS = envint("REDIS_MAX_CONNECTIONS", "1000", minimum=1)

# The cache holds the API throttles' counters: on Redis every worker shares them; without
# Redis each process counts alone.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "bedwatch-cache",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Password logins go through the lockout and the cap on concurrent checks (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.LoginBackend"]
# How many reverse proxies stand in front of the workers (docs/deployment.md: 1). The client
# address, for login lockouts and API throttles, is then read from X-Forwarded-For; with 0 it
# is the connection's, and X-Forwarded-For (which anyone can write) is ignored.
BEDWATCH_PROXY_COUNT = envint("BEDWATCH_PROXY_COUNT", "0")
# The operator's monitoring: callers from these addresses (client addresses as above) see each
# part's state on /healthz, as a signed-in admin does; anyone else only ok/degraded. By
# default the host itself: probes of a worker's own port (docs/deployment.md, Monitoring).
BEDWATCH_MONITORING_ADDRESSES = envnetworks("BEDWATCH_MONITORING_ADDRESSES", "127.0.0.0/8,::1")
# Failed logins (django-axes, shared by all workers through the database): this many within
# the lockout time lock the username, and the client address, for that long.
AXES_FAILURE_LIMIT = envint("BEDWATCH_LOGIN_FAILURE_LIMIT", "20", minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envfloat("BEDWATCH_LOGIN_LOCKOUT_MINUTES", "15", minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_USERNAME_CALLABLE = "accounts.throttling.login_username"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.locked_out"
# A success does not wipe the failures counted: one valid account must not reset an address.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Password checks run at once on this host, all web workers together (keep it below
# WEB_CONCURRENCY); a login finding none free waits BEDWATCH_PASSWORD_CHECK_WAIT seconds, then is
# told to try again shortly (503), so that a login flood cannot starve report writes.
BEDWATCH_PASSWORD_CHECKS = envint("BEDWATCH_PASSWORD_CHECKS", "1", minimum=1)
BEDWATCH_PASSWORD_CHECK_WAIT = envfloat("BEDWATCH_PASSWORD_CHECK_WAIT", "0")
# Where the slots' lock files live (one per slot; default: the system's temporary folder).
BEDWATCH_PASSWORD_CHECK_DIR = os.getenv("BEDWATCH_PASSWORD_CHECK_DIR", "")

LOGIN_URL = "/accounts/login/"
# A session lasts one shift: a browser left logged in on a ward stops working by the next one.
SESSION_COOKIE_AGE = round(envfloat("BEDWATCH_SESSION_HOURS", "12", minimum=0.1) * 3600)
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.getenv("BEDWATCH_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
# Leaflet from the xstatic-leaflet package, served by the app itself (no CDN).
STATICFILES_DIRS.append(("vendor/leaflet", xstatic.pkg.leaflet.BASE_DIR))
# whitenoise serves STATIC_ROOT (`collectstatic`); in DEBUG it finds files where they are.
# A valid API token is remembered by each worker this long (accounts/authentication.py): a token
# revoked or a user deactivated from another process stops working within it. 0: looked up
# every time.
BEDWATCH_TOKEN_CACHE_SECONDS = envfloat("BEDWATCH_TOKEN_CACHE_SECONDS", "5")
# An API token is valid this many days from its creation (accounts/tokens.py); then
# `rotate_token USERNAME` gives the machine a new one.
BEDWATCH_TOKEN_DAYS = envint("BEDWATCH_TOKEN_DAYS", "90", minimum=1)
# Each worker judges every open socket's access again this often (realtime/hub.py): an expired
# session, or access changed without a signal (QuerySet.update, SQL), closes its sockets within
# it. A few queries per user, credential and feed; 0: only when a change asks.
BEDWATCH_ACCESS_RECHECK_SECONDS = envfloat("BEDWATCH_ACCESS_RECHECK_SECONDS", "300")
# Each ws: worker tells every socket this often whether its feed is live (a `status` message,
# docs/realtime.md); a page that hears nothing for two of them shows "connection lost". 0: never.
BEDWATCH_HEARTBEAT_SECONDS = envfloat("BEDWATCH_HEARTBEAT_SECONDS", "2")
# A socket may ask for a fresh snapshot (`resync`) once per this many seconds; asking again
# sooner closes it with 4429 (docs/realtime.md). 0: no limit.
BEDWATCH_RESYNC_MIN_SECONDS = envfloat("BEDWATCH_RESYNC_MIN_SECONDS", "5")

# Behind a TLS-terminating reverse proxy (production, docs/deployment.md): trust its
# X-Forwarded-Proto, send cookies over HTTPS only, redirect plain HTTP and ask browsers for HSTS.
# Off by default so that the demo and the benchmark work over plain HTTP on loopback.
BEDWATCH_HTTPS = envbool("BEDWATCH_HTTPS", "0")
if BEDWATCH_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("BEDWATCH_SSL_REDIRECT", "1")
    # Monitoring probes a worker directly over HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("BEDWATCH_HSTS_SECONDS", "31536000")
    # The domain's owner decides these two: they bind every subdomain, and preloading is hard
    # to undo. `check --deploy` warns (W005, W021) until they are set.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("BEDWATCH_HSTS_SUBDOMAINS", "0")
    SECURE_HSTS_PRELOAD = envbool("BEDWATCH_HSTS_PRELOAD", "0")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A report is a few hundred bytes: refuse anything much larger before parsing it.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("BEDWATCH_MAX_BODY_BYTES", "65536", minimum=1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["beds.api.parsers.LimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "beds.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "beds.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "beds.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per API token (or session user) and per client address (accounts/throttling.py); `off`
    # turns one off.
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttling.TokenRateThrottle",
        "accounts.throttling.AddressRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": envrate("BEDWATCH_API_RATE_TOKEN", "1200/min"),
        "address": envrate("BEDWATCH_API_RATE_ADDRESS", "3000/min"),
    },
    "NUM_PROXIES": BEDWATCH_PROXY_COUNT,
}
# Wrong or expired API tokens an address may send per period, on the API and the live feed's
# handshakes together, before it is refused (429) without a look-up; `off` turns it off.
BEDWATCH_BAD_TOKENS_RATE = envrate("BEDWATCH_API_BAD_TOKENS", "30/min")
BEDWATCH_BAD_TOKENS = (
    (
        int(BEDWATCH_BAD_TOKENS_RATE.split("/")[0]),
        RATE_PERIODS[BEDWATCH_BAD_TOKENS_RATE.split("/")[1]],
    )
    if BEDWATCH_BAD_TOKENS_RATE
    else (0, 60)
)

SPECTACULAR_SETTINGS = {
    "TITLE": "Bedwatch API",
    "DESCRIPTION": "Live critical-care bed availability: hospitals, units, capacity reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The alerts' choice sets share field names (`kind`, `state`) with others: name them.
    "ENUM_NAME_OVERRIDES": {
        "AlertKindEnum": "alerts.models.Alert.Kind",
        "KindEnum": "beds.models.UnitKind",
        "AlertLevelEnum": "alerts.models.Alert.Level",
        "AlertScopeEnum": "alerts.models.Alert.Scope",
        "AlertStateEnum": "alerts.models.Alert.State",
    },
}

# Freshness of a unit's figures, from the age of its latest report (hours).
BEDWATCH_FRESH_HOURS = envfloat("BEDWATCH_FRESH_HOURS", "4")
BEDWATCH_AGEING_HOURS = envfloat("BEDWATCH_AGEING_HOURS", "12")
BEDWATCH_STALE_HOURS = envfloat("BEDWATCH_STALE_HOURS", "24")
if not BEDWATCH_FRESH_HOURS < BEDWATCH_AGEING_HOURS < BEDWATCH_STALE_HOURS:
    raise ImproperlyConfigured(
        "Freshness thresholds must increase: BEDWATCH_FRESH_HOURS < BEDWATCH_AGEING_HOURS "
        "< BEDWATCH_STALE_HOURS"
    )

# Map tiles: blank URL draws no tiles (no request leaves the app).
BEDWATCH_TILES_URL = os.getenv("BEDWATCH_TILES_URL", "")
BEDWATCH_TILES_ATTRIBUTION = os.getenv("BEDWATCH_TILES_ATTRIBUTION", "")


def tile_origin(url: str) -> str | None:
    """The origin the map's tiles come from (`https://*.tile.example.org` for a `{s}` URL)."""
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if scheme not in ("http", "https") or not host:
        raise ImproperlyConfigured(
            f"BEDWATCH_TILES_URL={url!r} must be an http(s) URL such as "
            "https://tiles.example.org/{z}/{x}/{y}.png"
        )
    return f"{scheme}://" + re.sub(r"\{[a-z]\}", "*", host)


# Content-Security-Policy (django-csp): scripts and styles from our origin or carrying the
# request's nonce (`request.csp_nonce`, `{{ CSP_NONCE }}`), never inline otherwise; data for
# scripts travels in json_script blocks and data- attributes. Sockets connect to our origin.
_TILES_ORIGIN = tile_origin(BEDWATCH_TILES_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", *([_TILES_ORIGIN] if _TILES_ORIGIN else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Optional operator-provided outlines (GeoJSON files with a `code` property per feature).
BEDWATCH_REGIONS_GEOJSON = os.getenv("BEDWATCH_REGIONS_GEOJSON", "")
BEDWATCH_DEPARTMENTS_GEOJSON = os.getenv("BEDWATCH_DEPARTMENTS_GEOJSON", "")

# Reporting cadence and reminders (docs/alerts.md). A unit is overdue when its figures are older
# than its région's cadence: the région's own (`Region.reporting_cadence_minutes`), else the
# crisis default when the région is in crisis, else the normal default.
BEDWATCH_REPORT_CADENCE_MINUTES = envint("BEDWATCH_REPORT_CADENCE_MINUTES", "240", minimum=1)
BEDWATCH_CRISIS_CADENCE_MINUTES = envint("BEDWATCH_CRISIS_CADENCE_MINUTES", "60", minimum=1)
# The second reminder this long after the first; the coordinators this long after the second.
BEDWATCH_REMINDER_REPEAT_MINUTES = envint("BEDWATCH_REMINDER_REPEAT_MINUTES", "60", minimum=1)
BEDWATCH_REMINDER_ESCALATE_MINUTES = envint("BEDWATCH_REMINDER_ESCALATE_MINUTES", "60", minimum=1)
# A reminder's one-time link stops working this long after it was sent.
BEDWATCH_LINK_MINUTES = envint("BEDWATCH_LINK_MINUTES", "120", minimum=1)
# A région or département is alerted as stale when this share of its units (%) is stale or
# expired (figures older than BEDWATCH_AGEING_HOURS).
BEDWATCH_ALERT_STALE_PCT = envint("BEDWATCH_ALERT_STALE_PCT", "25", minimum=1)
# Coordinators get at most one digest of new alerts per this period.
BEDWATCH_ALERT_DIGEST_MINUTES = envint("BEDWATCH_ALERT_DIGEST_MINUTES", "15", minimum=1)
# `run_scheduler` runs the reminder and alert rounds this often.
BEDWATCH_SCHEDULER_SECONDS = envint("BEDWATCH_SCHEDULER_SECONDS", "60", minimum=1)
# Between rounds, `run_scheduler` judges the alerts of the régions that received reports this
# often (seconds): how soon an open page shows an alert after the report that opens it.
BEDWATCH_ALERTS_SWEEP_SECONDS = envfloat("BEDWATCH_ALERTS_SWEEP_SECONDS", "0.5", minimum=0.05)
# The address people open Bedwatch at, for links in emails.
BEDWATCH_SITE_URL = os.getenv("BEDWATCH_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Email, with Django's names. Without EMAIL_HOST, messages are printed on the console (the
# demo); EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend with EMAIL_FILE_PATH
# writes them to files instead.
EMAIL_HOST = os.getenv("EMAIL_HOST", "").strip()
EMAIL_PORT = envint("EMAIL_PORT", "25", minimum=1)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "0")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "0")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one to 0")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "10", minimum=1)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Bedwatch <bedwatch@localhost>")
EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
if os.getenv("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = os.getenv("EMAIL_FILE_PATH")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.getenv("BEDWATCH_LOG_LEVEL", "INFO")},
    # django-axes logs each failed login as a warning (kept: an audit); its INFO lines are noise,
    # as are APScheduler's two lines per run of the alerts' sweep (twice a second).
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},
    },
}

AUTH_USER_MODEL = "accounts.User"
