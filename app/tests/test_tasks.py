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
