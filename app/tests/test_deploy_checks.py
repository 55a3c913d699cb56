"""What a deploy runs before going live, run the way a deploy runs it: in a
fresh process with only the environment the deploy provides."""

import json
import multiprocessing
import sys

import pytest

from .conftest import (
    APP_DIR,
    DB_PASSWORD,
    REDIS_PASSWORD,
    clean_environ,
    manage,
    production_environ,
    run,
    venv_bin,
)


def test_check_deploy_passes_at_warning_level(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        environ=clean_environ(**production_environ(tmp_path)),
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_really_checks(tmp_path):
    """Turning a protection off makes the same command fail: the check is live."""
    environ = production_environ(tmp_path, DJANGO_SECURE_SSL_REDIRECT="False")
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", environ=clean_environ(**environ)
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr


# Every required variable is covered in-process by test_settings.py; here, the
# secrets, the way a deploy meets them: a process that will not start.
@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_missing_required_variable_stops_manage_py(tmp_path, name):
    environ = production_environ(tmp_path)
    del environ[name]
    result = manage("check", environ=clean_environ(**environ))
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured:")
    assert name in last_line
    assert ".env.example" in last_line
    assert DB_PASSWORD not in result.stderr + result.stdout


def test_gunicorn_check_config_loads_the_production_app(tmp_path):
    result = run(
        [venv_bin("gunicorn"), "--check-config"],
        clean_environ(**production_environ(tmp_path)),
    )
    assert result.returncode == 0, result.stderr


def test_gunicorn_check_config_fails_without_a_secret(tmp_path):
    environ = production_environ(tmp_path)
    del environ["DJANGO_SECRET_KEY"]
    result = run([venv_bin("gunicorn"), "--check-config"], clean_environ(**environ))
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY" in result.stderr


def _gunicorn_config(environ):
    result = run([venv_bin("gunicorn"), "--print-config"], environ)
    assert result.returncode == 0, result.stderr
    config = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            config[key.strip()] = value.strip()
    return config


def test_gunicorn_defaults(tmp_path):
    config = _gunicorn_config(clean_environ(**production_environ(tmp_path)))
    assert config["wsgi_app"] == "config.wsgi:application"
    assert config["workers"] == str(multiprocessing.cpu_count() * 2 + 1)
    assert config["bind"] == "['127.0.0.1:8000']"
    assert config["timeout"] == "30"
    assert config["graceful_timeout"] == "30"
    assert config["max_requests"] == "1000"
    assert config["max_requests_jitter"] == "100"
    assert config["accesslog"] == "-"
    assert config["forwarded_allow_ips"] == "['127.0.0.1', '::1']"
    assert "%(M)s" in config["access_log_format"]  # request time


def test_gunicorn_environment_overrides(tmp_path):
    environ = production_environ(
        tmp_path,
        GUNICORN_WORKERS="3",
        GUNICORN_TIMEOUT="45",
        GUNICORN_GRACEFUL_TIMEOUT="20",
        GUNICORN_MAX_REQUESTS="500",
        GUNICORN_MAX_REQUESTS_JITTER="50",
        GUNICORN_BIND="unix:/run/djangoops/gunicorn.sock",
        GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.0/8,192.0.2.1",
        GUNICORN_ACCESSLOG=str(tmp_path / "access.log"),
    )
    config = _gunicorn_config(clean_environ(**environ))
    assert config["workers"] == "3"
    assert config["timeout"] == "45"
    assert config["graceful_timeout"] == "20"
    assert config["max_requests"] == "500"
    assert config["max_requests_jitter"] == "50"
    assert config["bind"] == "['unix:/run/djangoops/gunicorn.sock']"
    assert config["forwarded_allow_ips"] == "['10.0.0.0/8', '192.0.2.1']"
    assert config["accesslog"] == str(tmp_path / "access.log")


def test_gunicorn_reads_the_env_file_too(tmp_path):
    env_file = tmp_path / "app.env"
    env_file.write_text("GUNICORN_WORKERS=7\n")
    environ = production_environ(tmp_path, DJANGO_ENV_FILE=str(env_file))
    config = _gunicorn_config(clean_environ(**environ))
    assert config["workers"] == "7"


def test_broadcast_with_redis_down_fails_cleanly(tmp_path):
    result = manage("broadcast", "hello", environ=clean_environ(**production_environ(tmp_path)))
    assert result.returncode == 1
    assert "Could not send to group 'notifications'" in result.stderr
    assert "Traceback" not in result.stderr
    assert REDIS_PASSWORD not in result.stderr


MANAGE_STEPS = APP_DIR.parent / "roles" / "django_app" / "files" / "manage_steps.py"


def manage_steps(steps, environ):
    """The release build's one-process run of several commands (django_app role)."""
    code = MANAGE_STEPS.read_text()
    return run([sys.executable, "-c", code, json.dumps(steps)], environ)


def test_build_steps_run_check_and_collectstatic_in_one_process(tmp_path):
    environ = clean_environ(**production_environ(tmp_path))
    result = manage_steps(
        [["check", "--deploy", "--fail-level", "WARNING"], ["collectstatic", "--noinput"]], environ
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "static files copied" in result.stdout
    assert (tmp_path / "static" / "staticfiles.json").is_file()
    assert result.stderr.splitlines() == [
        "djangoops: manage.py check --deploy --fail-level WARNING",
        "djangoops: manage.py collectstatic --noinput",
    ]


def test_build_steps_stop_at_the_failing_check(tmp_path):
    """A failing check exits 1 with its report, and collectstatic never runs."""
    environ = clean_environ(**production_environ(tmp_path, DJANGO_SECURE_SSL_REDIRECT="False"))
    result = manage_steps(
        [["check", "--deploy", "--fail-level", "WARNING"], ["collectstatic", "--noinput"]], environ
    )
    assert result.returncode == 1
    assert "security.W008" in result.stderr
    assert "collectstatic" not in result.stderr
    assert not (tmp_path / "static").exists()


def test_build_steps_report_pending_migrations_and_go_on(tmp_path):
    """A status step (migrate --check) reports its exit status on the last line, no failure."""
    environ = clean_environ(DJANGO_SETTINGS_MODULE="config.settings.test")
    result = manage_steps(
        [["check"], {"argv": ["migrate", "--check", "--noinput"], "status": True}], environ
    )
    assert result.returncode == 0, result.stderr
    # An empty in-memory database: every migration is pending.
    assert result.stdout.splitlines()[-1] == "djangoops-status 1"
    assert result.stderr.splitlines()[-1] == "djangoops: manage.py migrate --check --noinput"


def test_build_steps_bridge_the_live_releases_hashed_files_once(tmp_path):
    """After collectstatic, the live release's files named in its manifest (and
    their .gz) that the new release lacks are linked in; its own files win, a
    name leading outside the directory is ignored, and nothing older comes along."""
    live = tmp_path / "releases" / "1" / "live-static"
    (live / "css").mkdir(parents=True)
    (live / "css" / "old.0123456789ab.css").write_text("old")
    (live / "css" / "old.0123456789ab.css.gz").write_bytes(b"gz")
    (live / "css" / "bridged-before.aaaaaaaaaaaa.css").write_text("two releases ago")
    (tmp_path / "releases" / "escape.css").write_text("outside the live release")
    (live / "staticfiles.json").write_text(json.dumps({"paths": {
        "css/old.css": "css/old.0123456789ab.css",
        "css/site.css": "css/site.css",  # the new release has its own
        "escape.css": "../../escape.css",
    }}))
    (live / "css" / "site.css").write_text("the live release's")
    environ = clean_environ(**production_environ(tmp_path))
    new = tmp_path / "static"
    result = manage_steps([["collectstatic", "--noinput"], {"bridge_static": str(live)}], environ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "djangoops-bridged 2"
    assert (new / "css" / "old.0123456789ab.css").read_text() == "old"
    assert (new / "css" / "old.0123456789ab.css").stat().st_ino == (live / "css" / "old.0123456789ab.css").stat().st_ino
    assert (new / "css" / "old.0123456789ab.css.gz").read_bytes() == b"gz"
    assert (new / "css" / "site.css").read_text() != "the live release's"
    assert not (new / "css" / "bridged-before.aaaaaaaaaaaa.css").exists()
    assert not (new / "../../escape.css").exists()
    assert "css/old.css" not in json.loads((new / "staticfiles.json").read_text())["paths"]


def test_build_steps_bridge_nothing_on_a_first_release(tmp_path):
    environ = clean_environ(**production_environ(tmp_path))
    result = manage_steps([["collectstatic", "--noinput"], {"bridge_static": str(tmp_path / "none")}], environ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "djangoops-bridged 0"
