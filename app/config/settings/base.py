"""Settings shared by every environment. Environment modules import * from here.

Every value that differs per deploy is read through config.env (python-decouple).
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, Csv, optional

# --- Core ------------------------------------------------------------------

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    # daphne first: its runserver serves HTTP and WebSockets in development.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "core",
    "blog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # WhiteNoise right after SecurityMiddleware, before everything else.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# The admin lives at a configurable path (cookiecutter-django style).
ADMIN_URL = optional("DJANGO_ADMIN_URL", default="admin/")

# --- Static and media files ------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = optional("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = optional("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Uploads ---------------------------------------------------------------

# Largest request body Django reads into memory, file uploads excluded.
DATA_UPLOAD_MAX_MEMORY_SIZE = optional(
    "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440, cast=int
)
# Uploads larger than this stream to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = optional(
    "DJANGO_FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440, cast=int
)
# Largest attachment the upload form accepts (the reverse proxy should agree).
MAX_UPLOAD_SIZE = optional("DJANGO_MAX_UPLOAD_SIZE", default=5 * 1024 * 1024, cast=int)
# Readable by the web server that serves MEDIA_URL, writable by the app only.
FILE_UPLOAD_PERMISSIONS = 0o644
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o755

# --- Security defaults shared by every environment ------------------------

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
CSRF_TRUSTED_ORIGINS = optional("DJANGO_CSRF_TRUSTED_ORIGINS", default="", cast=Csv())

# Health probes answer over plain HTTP on the app socket: never redirect them.
# (SecurityMiddleware matches these against the path without its leading slash.)
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^readiness/"]

# --- Celery ----------------------------------------------------------------

# The broker: CELERY_BROKER_URL, else the app's Redis (REDIS_URL; production
# requires it). No result backend: tasks record what they did in the database.
CELERY_BROKER_URL = optional("CELERY_BROKER_URL", default="") or optional("REDIS_URL", default="memory://")
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when it finished, not when it was taken: one a worker
# dies on (SIGKILL, OOM, a host lost) goes back to the queue and runs again, so
# tasks must be idempotent. Redis redelivers an unacknowledged task once the
# visibility timeout passes (CELERY_VISIBILITY_TIMEOUT, default one hour): keep it
# longer than the longest task, or a slow task runs twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": optional("CELERY_VISIBILITY_TIMEOUT", default=3600, cast=int)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# /tasks/ enqueues and reports record_run tasks for a caller that sends
# "Authorization: Bearer <TASKS_API_TOKEN>"; unset (the default), it is off (404).
TASKS_API_TOKEN = optional("TASKS_API_TOKEN", default="")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Tests run tasks in the calling process (CELERY_TASK_ALWAYS_EAGER=True).
CELERY_TASK_ALWAYS_EAGER = optional("CELERY_TASK_ALWAYS_EAGER", default=False, cast=bool)
# celery beat: a tick every CELERY_BEAT_TICK_SECONDS (0, the default: none).
_BEAT_TICK = optional("CELERY_BEAT_TICK_SECONDS", default=0, cast=int)
CELERY_BEAT_SCHEDULE = (
    {"tick": {"task": "core.tasks.beat_tick", "schedule": float(_BEAT_TICK)}} if _BEAT_TICK > 0 else {}
)

# --- Channels --------------------------------------------------------------

# Group that /ws/notifications/ joins and `manage.py broadcast` sends to.
NOTIFICATIONS_GROUP = "notifications"

# --- Logging ---------------------------------------------------------------

LOG_LEVEL = optional("DJANGO_LOG_LEVEL", default="INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"DJANGO_LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "verbose": {
            "format": "{asctime} {levelname} {name} pid={process:d} {message}",
            "style": "{",
        },
    },
    "handlers": {
        # stderr: journald (or the terminal) collects it.
        "console": {"class": "logging.StreamHandler", "formatter": "verbose"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"level": LOG_LEVEL, "propagate": True},
        # Disallowed hosts, suspicious operations, CSRF failures.
        "django.security": {"level": "WARNING", "propagate": True},
        "django.db.backends": {"level": "WARNING", "propagate": True},
    },
}
