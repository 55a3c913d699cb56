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
# accumulates over releases. It prints "djangoops-bridged <files>" and lists
# them in STATIC_ROOT/.djangoops-bridged.
# A step {"collectstatic": {"reuse_from": "<the live release's STATIC_ROOT>"}}
# runs collectstatic, unless what it would read is what the live release's
# output was made from (.djangoops-static-inputs there: every file the static
# finders list, in their order, by content; the static settings; the
# virtualenv): then the live release's output is hard-linked instead (not the
# files it bridged). It prints "djangoops-static collected" or
# "djangoops-static reused <files>", and records the inputs for the next release.
# A step {"migrations_digest": true} prints "djangoops-migrations <SHA-256>" of
# the applied migrations (the default database's django_migrations) as sorted
# "app.name" lines joined by newlines: what djangoops.deploy.postgresql_app_state
# digests from the table, so a later run can tell they did not change.
import hashlib
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


INPUTS_FILE = ".djangoops-static-inputs"
BRIDGED_FILE = ".djangoops-bridged"


def link_or_copy(source, target):
    """Hard-link source at target (a static file never changes in place), or copy it
    when the two are on different filesystems."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def static_inputs(release_dir=""):
    """A digest of what collectstatic reads and what shapes its output."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.staticfiles import finders

    digest = hashlib.sha256()
    # Paths inside the release (STATICFILES_DIRS, say) name each release's own
    # directory: compared with it replaced. STATIC_ROOT shapes no content.
    here = {p for d in (release_dir, os.getcwd()) if d for p in (d, os.path.realpath(d))}
    shaping = {}
    for name in dir(settings):
        if name in ("STATIC_URL", "STORAGES", "STATICFILES_STORAGE", "FORCE_SCRIPT_NAME") \
                or name.startswith(("WHITENOISE_", "STATICFILES_")):
            value = repr(getattr(settings, name))
            for path in sorted(here, key=len, reverse=True):
                value = value.replace(path, "<release>")
            shaping[name] = value
    digest.update(json.dumps([shaping, os.path.realpath(sys.prefix)], sort_keys=True).encode())
    ignore = apps.get_app_config("staticfiles").ignore_patterns
    for finder in finders.get_finders():
        for path, storage in finder.list(ignore):
            name = os.path.join(getattr(storage, "prefix", None) or "", path)
            content = hashlib.sha256()
            with storage.open(path) as source:
                for block in iter(lambda: source.read(1 << 20), b""):
                    content.update(block)
            digest.update(f"{name}\0{content.hexdigest()}\n".encode())
    return digest.hexdigest()


def collect_or_reuse(live, release_dir=""):
    import django
    from django.apps import apps
    from django.conf import settings

    if not apps.ready:  # no step before this one loaded Django's apps
        django.setup()

    new_root = pathlib.Path(settings.STATIC_ROOT)
    live_root = pathlib.Path(live).resolve() if live else None
    inputs = static_inputs(release_dir)
    recorded = ""
    if live_root and live_root != new_root.resolve():
        try:
            recorded = (live_root / INPUTS_FILE).read_text().strip()
        except OSError:
            pass
    if recorded == inputs:
        try:
            skip = set((live_root / BRIDGED_FILE).read_text().splitlines())
        except OSError:
            skip = set()
        skip |= {INPUTS_FILE, BRIDGED_FILE}
        linked = 0
        for directory, _, names in os.walk(live_root):
            for name in names:
                source = pathlib.Path(directory, name)
                relative = source.relative_to(live_root).as_posix()
                if relative in skip or source.is_symlink():
                    continue
                link_or_copy(source, new_root / relative)
                linked += 1
        print(f"djangoops-static reused {linked}", flush=True)
    else:
        run_one(["manage.py", "collectstatic", "--noinput"])
        sys.stdout.flush()
        print("djangoops-static collected", flush=True)
    (new_root / INPUTS_FILE).write_text(inputs + "\n")


def bridge_static(previous):
    from django.conf import settings

    new_root = pathlib.Path(settings.STATIC_ROOT).resolve()
    old_root = pathlib.Path(previous).resolve()
    bridged = []
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
            link_or_copy(source, target)
            bridged.append(variant)
    (new_root / BRIDGED_FILE).write_text("".join(f"{name}\n" for name in bridged))
    sys.stdout.flush()
    print(f"djangoops-bridged {len(bridged)}", flush=True)


def migrations_digest():
    """The SHA-256 of the applied migrations, as postgresql_app_state digests the table
    (Python sorts the lines by code point, which is their UTF-8 bytes' order)."""
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    lines = sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def run_steps(argv=None):
    RAN.append(True)
    for step in STEPS:
        if isinstance(step, dict) and step.get("migrations_digest"):
            digest = migrations_digest()
            sys.stdout.flush()
            print(f"djangoops-migrations {digest}", flush=True)
            continue
        if isinstance(step, dict) and "collectstatic" in step:
            print("djangoops: manage.py collectstatic --noinput, unless the live release's output has the same inputs",
                  file=sys.stderr, flush=True)
            collect_or_reuse(step["collectstatic"].get("reuse_from", ""), step["collectstatic"].get("release_dir", ""))
            continue
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
