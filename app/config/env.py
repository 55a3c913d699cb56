"""One way to read configuration: python-decouple, OS environment first, then ``.env``.

The dotenv file is ``.env`` next to ``manage.py`` (the deploy renders it there);
``DJANGO_ENV_FILE`` points at another one. A variable set in the OS environment
always wins over the file, so systemd's ``EnvironmentFile=`` and the file agree.
"""

import os
from pathlib import Path

from decouple import Config, Csv, RepositoryEmpty, RepositoryEnv, UndefinedValueError
from django.core.exceptions import ImproperlyConfigured

__all__ = ["BASE_DIR", "ENVIRONMENTS", "Csv", "env", "optional", "require", "settings_module"]

# app/ : the Django project root, where manage.py and .env live.
BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENTS = ("development", "production", "test")

_HINT = "Set it in the environment or in app/.env; app/.env.example documents every variable."


def _load_config():
    explicit = os.environ.get("DJANGO_ENV_FILE")
    path = Path(explicit) if explicit else BASE_DIR / ".env"
    if path.exists():
        return Config(RepositoryEnv(str(path)))
    if explicit:
        raise ImproperlyConfigured(f"DJANGO_ENV_FILE points to {path}, which does not exist.")
    return Config(RepositoryEmpty())


env = _load_config()


def optional(name, default, cast=None):
    """Read an optional variable; a value that does not parse fails with its name."""
    try:
        if cast is None:
            return env(name, default=default)
        return env(name, default=default, cast=cast)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} has an invalid value ({exc}). {_HINT}") from None


def require(name, cast=None):
    """Read a variable that has no default: missing or empty fails fast, naming it."""
    try:
        raw = env(name)
    except UndefinedValueError:
        raise ImproperlyConfigured(f"{name} is required but not set. {_HINT}") from None
    if not raw.strip():
        raise ImproperlyConfigured(f"{name} is required but empty. {_HINT}")
    if cast is None:
        return raw
    try:
        value = cast(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} has an invalid value ({exc}). {_HINT}") from None
    if isinstance(value, (list, tuple)) and not value:
        raise ImproperlyConfigured(f"{name} is required but lists nothing. {_HINT}")
    return value


def settings_module():
    """The settings module named by DJANGO_ENVIRONMENT (default: development)."""
    name = optional("DJANGO_ENVIRONMENT", default="development").strip().lower()
    if name not in ENVIRONMENTS:
        raise ImproperlyConfigured(
            f"DJANGO_ENVIRONMENT={name!r} is not one of {', '.join(ENVIRONMENTS)}."
        )
    return f"config.settings.{name}"


def configure_settings_module():
    """Default DJANGO_SETTINGS_MODULE from DJANGO_ENVIRONMENT; an explicit one wins."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module())
