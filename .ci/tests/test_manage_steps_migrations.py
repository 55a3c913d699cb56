"""roles/django_app/files/manage_steps.py: the {"migrations_digest": true} step prints the
digest of the applied migrations exactly as djangoops.deploy.postgresql_app_state digests
the django_migrations table (rows as "app.name", sorted by their UTF-8 bytes, joined by
newlines, SHA-256), after a migrations check that only reports its status. The deploy
skips `migrate --check` while the two digests agree, so they must agree to the byte.
Runs a small Django project on SQLite with the reference app's virtualenv."""
import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "roles/django_app/files/manage_steps.py"
PYTHON = ROOT / "app/.venv/bin/python"

MANAGE = """import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""
SETTINGS = """from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "test"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
"""
CHECK = [{"argv": ["migrate", "--check", "--noinput"], "status": True}, {"migrations_digest": True}]


@pytest.fixture
def project(tmp_path):
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run `make app/.venv/.installed` (make controller-test does)")
    (tmp_path / "manage.py").write_text(MANAGE)
    (tmp_path / "site_settings.py").write_text(SETTINGS)
    return tmp_path


def steps(project, plan):
    done = subprocess.run([str(PYTHON), "-c", SCRIPT.read_text(), json.dumps(plan)], cwd=project,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return dict(line.split(" ", 1) for line in done.stdout.splitlines() if line.startswith("djangoops-"))


def table_digest(project):
    """What postgresql_app_state's query computes, from the table itself."""
    with sqlite3.connect(project / "db.sqlite3") as db:
        lines = [f"{app}.{name}" for app, name in db.execute("SELECT app, name FROM django_migrations")]
    return hashlib.sha256("\n".join(sorted(lines, key=lambda line: line.encode())).encode()).hexdigest()


def test_the_digest_follows_the_applied_migrations_and_matches_the_table(project):
    # No table yet: everything is pending, and the digest is that of no rows.
    before = steps(project, CHECK)
    assert before["djangoops-status"] == "1"
    assert before["djangoops-migrations"] == hashlib.sha256(b"").hexdigest()

    migrated = steps(project, [["migrate", "--noinput"], {"migrations_digest": True}])
    assert migrated["djangoops-migrations"] == table_digest(project)

    after = steps(project, CHECK)
    assert after == {"djangoops-status": "0", "djangoops-migrations": table_digest(project)}

    # One app unapplied (a restored or hand-migrated database): pending again, another digest.
    steps(project, [["migrate", "sessions", "zero", "--noinput"]])
    unapplied = steps(project, CHECK)
    assert unapplied["djangoops-status"] == "1"
    assert unapplied["djangoops-migrations"] == table_digest(project) != after["djangoops-migrations"]
