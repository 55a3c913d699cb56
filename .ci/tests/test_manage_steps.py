"""roles/django_app/files/manage_steps.py: collectstatic is skipped when its inputs are
those the live release's output was made from (that output is hard-linked instead),
runs when they differ, and the files a release bridged never carry over to the next.
The {"migrations_digest": true} step prints the digest of the applied migrations
exactly as djangoops.deploy.postgresql_app_state digests the django_migrations table
(rows as "app.name", sorted by their UTF-8 bytes, joined by newlines, SHA-256): the
deploy skips `migrate --check` while the two agree, so they must agree to the byte.
Runs small Django projects with the reference app's virtualenv (make controller-test
builds it first)."""
import hashlib
import json
import os
import sqlite3
import shutil
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
INSTALLED_APPS = ["django.contrib.staticfiles"]
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
"""


@pytest.fixture(scope="module")
def python():
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run `make app/.venv/.installed` (make controller-test does)")
    return str(PYTHON)


def release(tmp_path, name, css):
    rel = tmp_path / "releases" / name
    (rel / "static" / "css").mkdir(parents=True)
    (rel / "manage.py").write_text(MANAGE)
    (rel / "site_settings.py").write_text(SETTINGS)
    (rel / "static" / "css" / "app.css").write_text(css)
    (rel / "static" / "logo.txt").write_text("logo\n")
    (rel / "staticfiles").mkdir()
    return rel


def build(python, rel, live, reuse=True):
    steps = [{"collectstatic": {"reuse_from": str(live / "staticfiles") if live and reuse else "", "release_dir": str(rel)}},
             {"bridge_static": str(live / "staticfiles") if live else str(rel.parent / "none")}]
    done = subprocess.run([python, "-c", SCRIPT.read_text(), json.dumps(steps)], cwd=rel,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def files_of(rel):
    root = rel / "staticfiles"
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def hashed_css(rel):
    return json.loads((rel / "staticfiles" / "staticfiles.json").read_text())["paths"]["css/app.css"]


def test_collects_then_reuses_then_collects_a_change_and_bridges_one_generation(tmp_path, python):
    r1 = release(tmp_path, "r1", "body { color: red }\n")
    assert "djangoops-static collected" in build(python, r1, None)

    # Same inputs (another release directory): the live output is linked, not collected.
    r2 = release(tmp_path, "r2", "body { color: red }\n")
    out = build(python, r2, r1)
    assert "djangoops-static reused" in out and "djangoops-bridged 0" in out
    assert files_of(r2) == files_of(r1)
    assert os.stat(r2 / "staticfiles" / hashed_css(r2)).st_ino == os.stat(r1 / "staticfiles" / hashed_css(r1)).st_ino
    assert (r2 / "staticfiles" / ".djangoops-static-inputs").read_text() == \
        (r1 / "staticfiles" / ".djangoops-static-inputs").read_text()

    # A changed stylesheet: collected; the live release's stylesheet bridged.
    r3 = release(tmp_path, "r3", "body { color: blue }\n")
    out = build(python, r3, r2)
    assert "djangoops-static collected" in out and "djangoops-bridged 1" in out
    assert hashed_css(r3) != hashed_css(r2)
    assert (r3 / "staticfiles" / hashed_css(r2)).is_file()
    assert (r3 / "staticfiles" / ".djangoops-bridged").read_text().split() == [hashed_css(r2)]

    # Reused again: r3's own output, without what r3 had bridged from r2.
    r4 = release(tmp_path, "r4", "body { color: blue }\n")
    out = build(python, r4, r3)
    assert "djangoops-static reused" in out
    assert (r4 / "staticfiles" / hashed_css(r3)).is_file()
    assert not (r4 / "staticfiles" / hashed_css(r2)).exists()


def test_a_new_file_or_reuse_switched_off_collects(tmp_path, python):
    r1 = release(tmp_path, "r1", "a {}\n")
    build(python, r1, None)
    r2 = release(tmp_path, "r2", "a {}\n")
    (r2 / "static" / "extra.txt").write_text("new\n")
    assert "djangoops-static collected" in build(python, r2, r1)
    assert "extra.txt" in files_of(r2)
    r3 = release(tmp_path, "r3", "a {}\n")
    (r3 / "static" / "extra.txt").write_text("new\n")
    assert "djangoops-static collected" in build(python, r3, r2, reuse=False)


# --- The applied migrations' digest ------------------------------------------
MIGRATIONS_SETTINGS = """from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "test"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
"""
CHECK = [{"argv": ["migrate", "--check", "--noinput"], "status": True}, {"migrations_digest": True}]


@pytest.fixture
def project(tmp_path, python):
    (tmp_path / "manage.py").write_text(MANAGE)
    (tmp_path / "site_settings.py").write_text(MIGRATIONS_SETTINGS)
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
