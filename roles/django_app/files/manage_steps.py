# Runs several manage.py commands in one Python process (Django loads once):
#   python -c "<this file>" '[["check", "--deploy"], ["collectstatic", "--noinput"],
#                             {"argv": ["migrate", "--check"], "status": true}]'
# from the project directory. A step given as {"argv": [...], "status": true}
# only reports its exit status, as a last line "djangoops-status <status>" on
# stdout (migrate --check exits 1 when migrations are pending), and the run goes on.
# The project's own manage.py runs as it would from a shell (its settings-module
# defaults, its sys.path setup); only its call to execute_from_command_line is
# taken over to run each step in turn. A step that fails exits as manage.py
# would (a check's report or the traceback on stderr, status 1); the step's
# name is written to stderr before it starts.
import json
import runpy
import sys

import django.core.management as management

STEPS = json.loads(sys.argv[1])
RAN = []
run_one = management.execute_from_command_line


def run_steps(argv=None):
    RAN.append(True)
    for step in STEPS:
        reports = isinstance(step, dict) and step.get("status")
        words = step["argv"] if isinstance(step, dict) else step
        print("djangoops: manage.py " + " ".join(words), file=sys.stderr, flush=True)
        try:
            run_one(["manage.py", *words])
            status = 0
        except SystemExit as exit_:
            if not reports:
                raise
            status = exit_.code if isinstance(exit_.code, int) else 1
        if reports:
            sys.stdout.flush()
            print(f"djangoops-status {status}", flush=True)

management.execute_from_command_line = run_steps
sys.argv = ["manage.py"]
runpy.run_path("manage.py", run_name="__main__")
if not RAN:
    sys.exit(
        "manage.py did not call django.core.management.execute_from_command_line, "
        "Django's entry point that the release build runs its commands through"
    )
