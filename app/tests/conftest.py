import os
import secrets
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

APP_DIR = Path(__file__).resolve().parent.parent

# No .hypothesis/ directory in the repo (examples database off, caches in the
# system temp dir); no per-example deadline on a busy CI box.
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "djangoops-app-hypothesis"))
hypothesis_settings.register_profile(
    "app",
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
hypothesis_settings.load_profile("app")

# Every variable the app reads; removed from subprocess environments so the
# developer's shell cannot leak into a test.
APP_VARIABLE_PREFIXES = ("DJANGO_", "DATABASE_", "REDIS_", "GUNICORN_", "CHANNEL_LAYER_")

REQUIRED_PRODUCTION_VARIABLES = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_STATIC_ROOT",
    "DJANGO_MEDIA_ROOT",
]

DB_PASSWORD = "db-Pa55word-that-must-never-leak"
REDIS_PASSWORD = "redis-Pa55word-that-must-never-leak"


def closed_port():
    """A localhost TCP port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


free_port = closed_port


def clean_environ(**overrides):
    """The current environment without any app variable, no .env file, plus overrides."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(APP_VARIABLE_PREFIXES) and key != "FORWARDED_ALLOW_IPS"
    }
    environ["DJANGO_ENV_FILE"] = os.devnull
    environ["PYTHONDONTWRITEBYTECODE"] = "1"
    environ.update({key: str(value) for key, value in overrides.items()})
    return environ


def production_environ(tmp_path, **overrides):
    """A complete production environment whose PostgreSQL and Redis are closed ports."""
    values = {
        "DJANGO_ENVIRONMENT": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "example.com,localhost,testserver",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://example.com",
        "DATABASE_URL": f"postgres://app:{DB_PASSWORD}@127.0.0.1:{closed_port()}/app",
        "REDIS_URL": f"redis://app:{REDIS_PASSWORD}@127.0.0.1:{closed_port()}/0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def run(args, environ, timeout=60):
    return subprocess.run(
        args, cwd=APP_DIR, env=environ, capture_output=True, text=True, timeout=timeout
    )


def manage(*args, environ):
    return run([sys.executable, "manage.py", *args], environ)


def venv_bin(name):
    """An entry point installed next to the running interpreter (gunicorn, daphne)."""
    return str(Path(sys.executable).with_name(name))


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads in a temporary directory, never in the repository."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
