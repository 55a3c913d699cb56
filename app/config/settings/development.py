"""Local development: DEBUG on, SQLite, in-memory channel layer and cache.

No service is needed: `python manage.py runserver` (daphne's) serves HTTP and
WebSockets. Never use these settings on a reachable host.
"""

import dj_database_url

from config.env import BASE_DIR, Csv, optional

from .base import *  # noqa: F403

DEBUG = optional("DJANGO_DEBUG", default=True, cast=bool)

# A development-only key: production.py has no default and fails without one.
SECRET_KEY = optional(
    "DJANGO_SECRET_KEY", default="django-insecure-development-only-key-never-use-in-production"
)
ALLOWED_HOSTS = optional("DJANGO_ALLOWED_HOSTS", default="localhost,127.0.0.1,[::1]", cast=Csv())

# SQLite next to manage.py unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        optional("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}

CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "development",
    }
}

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
