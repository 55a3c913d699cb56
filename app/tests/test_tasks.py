"""Background tasks without a broker: Celery runs them in the test process
(CELERY_TASK_ALWAYS_EAGER in config.settings.test). The deploy's Molecule
scenario runs them through real workers and Redis."""

import json
import time
from io import StringIO

import pytest
from django.core.management import call_command

from config.celery import app as celery_app
from core import release as release_module
from core.models import TaskRun
from core.tasks import beat_tick, record_run


@pytest.fixture
def release(monkeypatch):
    monkeypatch.setattr(release_module, "current_release", lambda: "20261203000000-abc")
    monkeypatch.setattr("core.tasks.current_release", lambda: "20261203000000-abc")
    return "20261203000000-abc"


def test_the_celery_app_reads_django_settings():
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1
    assert celery_app.conf.broker_transport_options == {"visibility_timeout": 3600}
    assert "core.tasks.record_run" in celery_app.tasks


@pytest.mark.django_db
def test_a_task_records_its_run_under_the_release(release):
    assert record_run.delay("t-1").get() == "t-1"
    run = TaskRun.objects.get()
    assert (run.token, run.kind, run.release) == ("t-1", "task", release)


@pytest.mark.django_db
def test_beat_tick_records_a_beat_run(release):
    beat_tick.delay()
    assert TaskRun.objects.filter(kind="beat", token="beat").count() == 1


@pytest.mark.django_db
def test_enqueue_runs_and_the_report_count_each_token_once(release):
    out = StringIO()
    call_command("enqueue_runs", "--token", "d", "--count", "5", stdout=out)
    assert json.loads(out.getvalue()) == {"enqueued": 5}
    TaskRun.objects.create(token="d-3", release="old")  # a duplicate, under another release
    out = StringIO()
    call_command("enqueue_runs", "--token", "d", "--report", "--since", str(time.time() + 60), stdout=out)
    assert json.loads(out.getvalue()) == {
        "runs": 6, "tokens": 5, "duplicates": ["d-3"], "releases": ["20261203000000-abc", "old"], "since": 0,
    }


def test_the_beat_schedule_follows_the_environment(monkeypatch):
    import importlib

    import config.settings.base as base

    monkeypatch.setenv("CELERY_BEAT_TICK_SECONDS", "5")
    reloaded = importlib.reload(base)
    try:
        assert reloaded.CELERY_BEAT_SCHEDULE == {"tick": {"task": "core.tasks.beat_tick", "schedule": 5.0}}
    finally:
        monkeypatch.delenv("CELERY_BEAT_TICK_SECONDS")
        importlib.reload(base)
    assert base.CELERY_BEAT_SCHEDULE == {}


# --- /tasks/ over HTTP ---------------------------------------------------------


@pytest.fixture
def tasks_token(settings):
    settings.TASKS_API_TOKEN = "t0ken-for-tests"
    return {"HTTP_AUTHORIZATION": "Bearer t0ken-for-tests"}


@pytest.mark.django_db
def test_tasks_endpoint_is_off_without_a_token(client, settings):
    settings.TASKS_API_TOKEN = ""
    assert client.post("/tasks/", {"token": "x"}, content_type="application/json").status_code == 404
    assert client.get("/tasks/x/").status_code == 404


@pytest.mark.django_db
def test_tasks_endpoint_refuses_a_wrong_or_missing_token(client, tasks_token):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": "t0ken-for-tests"}, {"HTTP_AUTHORIZATION": "Basic t0ken-for-tests"}):
        response = client.post("/tasks/", {"token": "x"}, content_type="application/json", **headers)
        assert response.status_code == 403, headers
        assert client.get("/tasks/x/", **headers).status_code == 403
    assert TaskRun.objects.count() == 0


@pytest.mark.django_db
def test_tasks_enqueued_over_http_run_and_are_reported_with_their_release(client, tasks_token, release):
    response = client.post("/tasks/", {"token": "web-1", "count": 3}, content_type="application/json", **tasks_token)
    assert (response.status_code, response.json()) == (202, {"enqueued": 3, "token": "web-1"})
    report = client.get("/tasks/web-1/", **tasks_token)
    assert report["Cache-Control"].startswith("max-age=0")
    assert report.json() == {"runs": 3, "tokens": 3, "duplicates": [], "releases": [release], "since": 3}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    ["not json", {"count": 2}, {"token": "a b"}, {"token": "caf\u00e9"}, {"token": "x", "count": 0}, {"token": "x", "count": 1001}, {"token": "x", "seconds": 61}],
)
def test_tasks_endpoint_refuses_bad_input_and_enqueues_nothing(client, tasks_token, body):
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post("/tasks/", data, content_type="application/json", **tasks_token)
    assert response.status_code == 400
    assert "token" in response.json()["error"]
    assert TaskRun.objects.count() == 0
    assert client.get("/tasks/", **tasks_token).status_code == 405


def test_the_web_app_loads_without_the_tasks_module():
    """The URL conf (and so every web process) must not import core.tasks: a
    release whose tasks module is broken fails on its workers, not on check."""
    import subprocess
    import sys

    code = (
        "import sys, django; django.setup(); "
        "from django.urls import resolve; resolve('/tasks/'); "
        "print('core.tasks' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
