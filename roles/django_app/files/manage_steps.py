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
# A step {"bridge_static": "<the live release's STATIC_ROOT>"} (after
# collectstatic) hard-links the files the live release's manifest
# (staticfiles.json) names, and their .gz/.br, into this release's STATIC_ROOT
# where it has no file of that name: pages the live release rendered keep their
# hashed CSS and JS after the switch. Only that release's own files, so nothing
# accumulates over releases. It prints "djangoops-bridged <files>".
import json
import os
import pathlib
import runpy
import shutil
import sys

import django.core.management as management

STEPS = json.loads(sys.argv[1])
RAN = []
run_one = management.execute_from_command_line


def bridge_static(previous):
    from django.conf import settings

    new_root = pathlib.Path(settings.STATIC_ROOT).resolve()
    old_root = pathlib.Path(previous).resolve()
    bridged = 0
    try:
        paths = json.loads((old_root / "staticfiles.json").read_text())["paths"].values()
    except (OSError, ValueError, KeyError, AttributeError):
        paths = []  # the first release, or a storage without a manifest
    for name in paths:
        for variant in (name, name + ".gz", name + ".br"):
            source, target = old_root / variant, new_root / variant
            inside = source.resolve().is_relative_to(old_root) and target.resolve().is_relative_to(new_root)
            if not inside or not source.is_file() or os.path.lexists(target):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)
            bridged += 1
    sys.stdout.flush()
    print(f"djangoops-bridged {bridged}", flush=True)


def run_steps(argv=None):
    RAN.append(True)
    for step in STEPS:
        if isinstance(step, dict) and "bridge_static" in step:
            print("djangoops: bridge the live release's static files from " + step["bridge_static"], file=sys.stderr, flush=True)
            bridge_static(step["bridge_static"])
            continue
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
