"""Enqueue background task runs and report the ones recorded.

    manage.py enqueue_runs --token deploy-1 --count 500 --seconds 0.2
    manage.py enqueue_runs --token deploy-1 --report

The report is one JSON line (core.runs.report): runs per token, the tokens
recorded more than once, the releases that ran them, and the runs recorded
since --since. The deploy tests use it through the app's manage wrapper; the
same is served over HTTP at /tasks/ (core.views.tasks).
"""

import json

from django.core.management.base import BaseCommand

from core import runs


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
            self.stdout.write(json.dumps(runs.report(token, since)))
            return
        self.stdout.write(json.dumps({"enqueued": runs.enqueue(token, count, seconds, start)}))
