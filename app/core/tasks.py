"""Background tasks of the reference app, run by Celery workers."""

import time

from celery import shared_task

from core.models import TaskRun
from core.release import current_release


@shared_task
def record_run(token, seconds=0.0):
    """Sleep ``seconds`` (a long task), then record one run of ``token`` under
    the release this worker imported."""
    if seconds:
        time.sleep(float(seconds))
    TaskRun.objects.create(token=str(token), kind="task", release=current_release() or "")
    return token


@shared_task
def beat_tick():
    """What celery beat schedules every CELERY_BEAT_TICK_SECONDS."""
    TaskRun.objects.create(token="beat", kind="beat", release=current_release() or "")
