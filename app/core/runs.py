"""Enqueue record_run tasks and report the runs recorded, for the
``enqueue_runs`` command and the token-protected ``/tasks/`` endpoint.

The tasks module is imported only when something is enqueued: the web
processes load this module with the URL conf and must not depend on the
workers' code (a release whose tasks module is broken fails on its workers).
"""

from datetime import UTC, datetime

from django.db.models import Count

from core.models import TaskRun

# One request or command enqueues at most this many tasks.
MAX_COUNT = 1000


def enqueue(token, count=1, seconds=0.0, start=0):
    """Enqueue ``count`` runs named ``<token>-<n>``; return how many."""
    from core.tasks import record_run

    for number in range(start, start + count):
        record_run.delay(f"{token}-{number}", seconds)
    return count


def report(token, since=0.0):
    """Runs recorded under ``<token>-*``: how many, per token, the tokens run
    more than once, the releases that ran them, and the runs since ``since``."""
    runs = TaskRun.objects.filter(token__startswith=f"{token}-", kind="task")
    per_token = runs.values("token").annotate(n=Count("id"))
    return {
        "runs": runs.count(),
        "tokens": per_token.count(),
        "duplicates": sorted(row["token"] for row in per_token if row["n"] > 1),
        "releases": sorted(set(runs.values_list("release", flat=True))),
        "since": runs.filter(created__gte=datetime.fromtimestamp(since, tz=UTC)).count(),
    }
