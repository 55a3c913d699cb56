"""Production: PostgreSQL, Redis, WhiteNoise, HTTPS behind a reverse proxy.

Every secret and every deploy-specific location is required and has no default:
a missing one stops the process at start with ImproperlyConfigured naming the
variable (see app/.env.example). DEBUG is always False here.
"""

import copy
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import Csv, optional, require

from .base import *  # noqa: F403
from .base import LOGGING as _BASE_LOGGING

# --- Core ------------------------------------------------------------------

# Not read from the environment: production never runs with DEBUG on, and a
# deploy that tries is stopped rather than silently ignored.
DEBUG = False
if optional("DJANGO_DEBUG", default=False, cast=bool):
    raise ImproperlyConfigured("DJANGO_DEBUG cannot be turned on in production; remove it.")

SECRET_KEY = require("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = require("DJANGO_ALLOWED_HOSTS", cast=Csv())

# --- Database --------------------------------------------------------------

try:
    _database = dj_database_url.parse(
        require("DATABASE_URL"),
        conn_max_age=optional("DATABASE_CONN_MAX_AGE", default=60, cast=int),
        conn_health_checks=True,
    )
except ValueError:
    # The message would echo the URL and its password: name the variable only.
    raise ImproperlyConfigured(
        "DATABASE_URL is not a database URL dj-database-url understands "
        "(e.g. postgres://USER:PASSWORD@HOST:5432/NAME); see app/.env.example."
    ) from None
if _database["ENGINE"] == "django.db.backends.postgresql":
    # Fail a probe or request quickly when PostgreSQL is unreachable.
    _database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# Behind PgBouncer in transaction pooling, consecutive queries of one request
# may run on different server connections: a server-side cursor (what
# QuerySet.iterator() opens) would be gone at its next FETCH. Off, iterator()
# fetches in chunks on the client instead.
_database["DISABLE_SERVER_SIDE_CURSORS"] = optional(
    "DATABASE_DISABLE_SERVER_SIDE_CURSORS", default=False, cast=bool
)
DATABASES = {"default": _database}

# --- Redis: channel layer and cache ---------------------------------------

# redis://[[USER]:PASSWORD@]HOST:PORT/DB, rediss:// for TLS, or
# unix://[[USER]:PASSWORD@]/path/to/redis.sock?db=N (password may also be ?password=).
_REDIS_URL = require("REDIS_URL")
if urlsplit(_REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured(
        "REDIS_URL must start with redis://, rediss:// or unix://; see app/.env.example."
    )

# Seconds to wait for Redis before a request, probe or send fails.
REDIS_SOCKET_TIMEOUT = optional("REDIS_SOCKET_TIMEOUT", default=3, cast=int)

_REDIS_HOST = {
    "address": _REDIS_URL,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    # redis-py's asyncio pool raises past this many connections (default 100)
    # instead of waiting: with the core layer every WebSocket connect
    # (group_add) borrows one, so a burst of clients needs many.
    "max_connections": optional("CHANNEL_LAYER_MAX_CONNECTIONS", default=4096, cast=int),
}
# A dict host goes to redis.asyncio.ConnectionPool.from_url(address, **rest):
# every URL form above works, credentials included.
#   pubsub  group_send is one PUBLISH; each Daphne process gets it once and
#           hands it to its own clients. At-most-once: a process that is away
#           misses it. Broadcasts to thousands of clients stay cheap.
#   core    a queue in Redis per channel, with capacity and expiry: a message
#           waits (up to the expiry) for a consumer, one Redis entry per member.
CHANNEL_LAYER_BACKEND = optional("CHANNEL_LAYER_BACKEND", default="pubsub")
if CHANNEL_LAYER_BACKEND == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [_REDIS_HOST]},
        },
    }
elif CHANNEL_LAYER_BACKEND == "core":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [_REDIS_HOST],
                # Messages a channel holds before send() raises ChannelFull.
                "capacity": optional("CHANNEL_LAYER_CAPACITY", default=1500, cast=int),
                # Seconds an undelivered message lives.
                "expiry": optional("CHANNEL_LAYER_EXPIRY", default=60, cast=int),
            },
        },
    }
else:
    raise ImproperlyConfigured(
        f"CHANNEL_LAYER_BACKEND must be pubsub or core, got {CHANNEL_LAYER_BACKEND!r}."
    )

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # A list, so Django does not split the URL on "," or ";".
        "LOCATION": [_REDIS_URL],
        "KEY_PREFIX": "djangoops",
        "OPTIONS": {
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
        },
    }
}
del _REDIS_URL

# --- Static and media: placed by the deploy --------------------------------


def _absolute_dir(name):
    path = Path(require(name))
    if not path.is_absolute():
        raise ImproperlyConfigured(f"{name} must be an absolute path, got {str(path)!r}.")
    return str(path)


STATIC_ROOT = _absolute_dir("DJANGO_STATIC_ROOT")
MEDIA_ROOT = _absolute_dir("DJANGO_MEDIA_ROOT")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed and gzip-compressed copies written by collectstatic (brotli too
    # when the brotli package is installed),
    # served with far-future cache headers by WhiteNoise.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- HTTPS behind a reverse proxy ------------------------------------------

# The proxy terminates TLS and sets X-Forwarded-Proto; it must overwrite any
# value a client sends, and the app must be reachable only through it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = optional("DJANGO_SECURE_SSL_REDIRECT", default=True, cast=bool)
SECURE_HSTS_SECONDS = optional("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000, cast=int)
SECURE_HSTS_INCLUDE_SUBDOMAINS = optional(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True, cast=bool
)
SECURE_HSTS_PRELOAD = optional("DJANGO_SECURE_HSTS_PRELOAD", default=True, cast=bool)

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Secure-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Secure-csrftoken"

# --- Logging: stderr (journald) always, plus an optional file ---------------

LOGGING = copy.deepcopy(_BASE_LOGGING)
LOG_FILE = optional("DJANGO_LOG_FILE", default="")
if LOG_FILE:
    _max_bytes = optional("DJANGO_LOG_FILE_MAX_BYTES", default=10 * 1024 * 1024, cast=int)
    if _max_bytes > 0:
        # Each process rotates on its own: fine for one process per file.
        _file_handler = {
            "class": "logging.handlers.RotatingFileHandler",
            "maxBytes": _max_bytes,
            "backupCount": optional("DJANGO_LOG_FILE_BACKUP_COUNT", default=5, cast=int),
        }
    else:
        # 0: several processes share the file and logrotate rotates it.
        _file_handler = {"class": "logging.handlers.WatchedFileHandler"}
    LOGGING["handlers"]["file"] = {
        **_file_handler,
        "filename": LOG_FILE,
        "formatter": "verbose",
        "encoding": "utf-8",
        "delay": True,
    }
    LOGGING["root"]["handlers"].append("file")

# --- Error tracking (Sentry protocol: Sentry or GlitchTip) ------------------

# Off without a DSN. Events carry SENTRY_ENVIRONMENT and the live release's id
# (REVISION, written by the deploy); secrets are scrubbed (core/errors.py).
SENTRY_DSN = optional("SENTRY_DSN", default="")
if SENTRY_DSN:
    from core import errors as _errors
    from core.release import read_release as _read_release

    _errors.init(SENTRY_DSN, optional("SENTRY_ENVIRONMENT", default="production"), _read_release(BASE_DIR))  # noqa: F405
