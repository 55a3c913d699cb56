"""The files a deploy and a copying team rely on: .gitignore, .env.example, requirements."""

import re
import shutil
import subprocess

import pytest

from .conftest import APP_DIR

SOURCES = [*APP_DIR.glob("config/**/*.py"), APP_DIR / "gunicorn.conf.py"]


def variables_read_by_the_code():
    pattern = re.compile(r"""\b(?:optional|require)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
    names = set()
    for path in SOURCES:
        names.update(pattern.findall(path.read_text()))
    return names


def documented_variables():
    # "NAME=value" or "# NAME=value" at the start of a line.
    text = (APP_DIR / ".env.example").read_text()
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_env_example_documents_every_variable_the_code_reads():
    read = variables_read_by_the_code()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "GUNICORN_WORKERS"} <= read
    assert read - documented_variables() == set()


def test_env_example_documents_nothing_the_code_ignores():
    assert documented_variables() - variables_read_by_the_code() - {"DJANGO_ENV_FILE"} == set()


def test_env_example_holds_no_real_secret():
    text = (APP_DIR / ".env.example").read_text()
    assert re.search(r"^DJANGO_SECRET_KEY=$", text, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def check_ignore(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("repo")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    shutil.copy(APP_DIR / ".gitignore", repo / ".gitignore")

    def ignored(path):
        result = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", "--no-index", path])
        return result.returncode == 0

    return ignored


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        "db.sqlite3",
        "db.sqlite3-journal",
        "media/attachments/a.txt",
        "staticfiles/css/site.css",
        "logs/django.log",
        "django.log",
        "blog/__pycache__/m.cpython-311.pyc",
        ".venv/bin/python",
        "venv/bin/python",
        ".pytest_cache/x",
        ".hypothesis/x",
        ".coverage",
        ".idea/workspace.xml",
        ".vscode/settings.json",
        "notes.swp",
        ".DS_Store",
    ],
)
def test_gitignore_ignores(check_ignore, path):
    """Property 5: secrets, local data and generated files never reach git."""
    assert check_ignore(path)


@pytest.mark.parametrize(
    "path",
    [
        ".env.example",
        "config/settings/production.py",
        "static/css/site.css",
        "templates/500.html",
        "blog/migrations/0001_initial.py",
        "requirements.txt",
    ],
)
def test_gitignore_keeps(check_ignore, path):
    assert not check_ignore(path)


def requirement_lines(name):
    stripped = (line.split("#")[0].strip() for line in (APP_DIR / name).read_text().splitlines())
    return [line for line in stripped if line]


def test_production_requirements_are_all_pinned():
    """Property 4: every production dependency pinned, psycopg2 built from source."""
    pins = {}
    for line in requirement_lines("requirements.txt"):
        name, sep, version = line.partition("==")
        assert sep and re.fullmatch(r"[0-9][0-9A-Za-z.]*", version), line
        pins[name.lower()] = version
    for package in (
        "django",
        "channels",
        "channels-redis",
        "daphne",
        "gunicorn",
        "whitenoise",
        "psycopg2",
        "python-decouple",
        "dj-database-url",
        "redis",
    ):
        assert package in pins, package
    assert pins["django"].startswith("5.2.")
    assert "psycopg2-binary" not in pins


def test_test_requirements_extend_production_ones():
    lines = requirement_lines("requirements-test.txt")
    assert lines[0] == "-r requirements.txt"
    assert all("==" in line for line in lines[1:])
    assert {line.split("==")[0] for line in lines[1:]} >= {"pytest", "pytest-django", "hypothesis"}


@pytest.mark.django_db  # makemigrations checks the migration history's consistency
def test_migrations_match_the_models():
    from django.core.management import call_command

    # Exits non-zero (SystemExit) if a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
