"""Enqueue background task runs and report the ones recorded.

    manage.py enqueue_runs --token deploy-1 --count 500 --seconds 0.2
    manage.py enqueue_runs --token deploy-1 --report

The report is one JSON line: runs per token, the tokens recorded more than
once, the releases that ran them, and the runs recorded since --since. The deploy tests use it through the
app's manage wrapper.
"""

import json
from datetime import UTC, datetime

from django.core.management.base import BaseCommand
from django.db.models import Count

from core.models import TaskRun
from core.tasks import record_run


class Command(BaseCommand):
    help = "Enqueue record_run tasks (--count) or report those recorded (--report)."

    def add_arguments(self, parser):
        parser.add_argument("--token", required=True, help="Prefix of the tasks' tokens.")
        parser.add_argument("--count", type=int, default=1)
        parser.add_argument("--seconds", type=float, default=0.0, help="How long each task sleeps.")
        parser.add_argument("--start", type=int, default=0, help="First task number.")
        parser.add_argument("--report", action="store_true")
        parser.add_argument("--since", type=float, default=0.0, help="Report also the runs recorded at or after this Unix time.")

    def handle(self, *args, token, count, seconds, start, report, since, **options):
        if report:
            runs = TaskRun.objects.filter(token__startswith=f"{token}-", kind="task")
            per_token = runs.values("token").annotate(n=Count("id"))
            self.stdout.write(
                json.dumps(
                    {
                        "runs": runs.count(),
                        "tokens": per_token.count(),
                        "duplicates": sorted(row["token"] for row in per_token if row["n"] > 1),
                        "releases": sorted(set(runs.values_list("release", flat=True))),
                        "since": runs.filter(created__gte=datetime.fromtimestamp(since, tz=UTC)).count(),
                    }
                )
            )
            return
        for number in range(start, start + count):
            record_run.delay(f"{token}-{number}", seconds)
        self.stdout.write(json.dumps({"enqueued": count}))
