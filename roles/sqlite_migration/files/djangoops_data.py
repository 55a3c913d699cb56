"""Row counts and content checksums of a Django project's data, and a verified load.

Run inside the project by the sqlite_migration role, through the project's own
manage.py (so its settings, models and database configuration apply):

    manage.py shell -c "import runpy; runpy.run_path('djangoops_data.py', run_name='__main__')"

Parameters come from the environment:

    DJANGOOPS_ACTION    inspect | fingerprint | load
    DJANGOOPS_EXCLUDE   JSON list of app labels / app_label.Model left out (as dumpdata --exclude)
    DJANGOOPS_FIXTURE   load: the dump to load (dumpdata output, any format loaddata reads)
    DJANGOOPS_EXPECT    load: the source's fingerprint (JSON); a mismatch rolls the load back
    DJANGOOPS_OUTPUT    optional: also write the result JSON here

It prints one line "DJANGOOPS-RESULT <json>" (other output of manage.py is ignored).

The models are those `dumpdata` dumps: every concrete, managed, non-proxy model
the router lets migrate, minus the excluded ones, plus the auto-created
many-to-many tables of those models. Per model: the row count, and a checksum
that does not depend on the database backend or on row order -- the sum modulo
2**256 of the SHA-256 of each row's canonical serialisation. Auto-created
many-to-many rows are hashed without their own id (loaddata recreates them), and
a foreign key to an excluded model with a natural key (contenttypes, auth
permissions: recreated by migrate on the target with possibly other ids) is
hashed as that natural key. Everything else, primary keys included, is hashed
as stored.
"""

import datetime
import decimal
import hashlib
import io
import json
import os
import sys
import uuid

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction

MARKER = "DJANGOOPS-RESULT "
MODULUS = 1 << 256


class VerificationFailed(Exception):
    """Raised inside the load transaction so that it rolls back."""


def canonical(value):
    """A JSON-ready value that does not depend on the database backend."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (tuple, list)):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


def excluded(model, exclude):
    return model._meta.app_label in exclude or model._meta.label_lower in exclude


def selected_models(exclude):
    """The models dumpdata dumps (minus exclusions), with their auto-created M2M tables."""
    result = {}
    for app_config in apps.get_app_configs():
        if app_config.models_module is None:
            continue
        for model in app_config.get_models():
            if excluded(model, exclude) or model._meta.proxy:
                continue
            if not router.allow_migrate_model(DEFAULT_DB_ALIAS, model):
                continue
            result[model._meta.label_lower] = model
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through
                if through._meta.auto_created:
                    result[through._meta.label_lower] = through
    return dict(sorted(result.items()))


def natural_key_maps(chosen):
    """{related model: {pk: natural key}} for FKs from chosen models to excluded ones."""
    maps = {}
    for model in chosen.values():
        for field in model._meta.concrete_fields:
            related = field.related_model if field.is_relation else None
            if related is None or related._meta.label_lower in chosen or related in maps:
                continue
            if hasattr(related, "natural_key"):
                maps[related] = {
                    obj.pk: canonical(obj.natural_key())
                    for obj in related._base_manager.select_related().iterator()
                }
    return maps


def model_digest(model, maps):
    fields = sorted(model._meta.concrete_fields, key=lambda f: f.attname)
    if model._meta.auto_created:
        fields = [f for f in fields if not f.primary_key]
    columns = [f.attname for f in fields]
    mappers = [maps.get(f.related_model) if f.is_relation else None for f in fields]
    total, count = 0, 0
    rows = model._base_manager.order_by().values_list(*columns)
    for row in rows.iterator(chunk_size=2000):
        values = [
            mapper.get(value, value) if mapper is not None else value
            for mapper, value in zip(mappers, row)
        ]
        line = json.dumps(
            [canonical(v) for v in values], ensure_ascii=False, separators=(",", ":")
        )
        total = (total + int.from_bytes(hashlib.sha256(line.encode("utf-8")).digest(), "big")) % MODULUS
        count += 1
    return {"count": count, "sha256": f"{total:064x}"}


def fingerprint(chosen):
    maps = natural_key_maps(chosen)
    return {label: model_digest(model, maps) for label, model in chosen.items()}


def counts(chosen):
    return {label: model._base_manager.count() for label, model in chosen.items()}


def sequence_report(chosen):
    """PostgreSQL only: every integer auto primary key's sequence is past the largest id."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return {"checked": 0, "behind": []}
    checked, behind = 0, []
    with connection.cursor() as cursor:
        for label, model in chosen.items():
            pk = model._meta.pk
            if not isinstance(pk, models.AutoField):
                continue
            table, column = model._meta.db_table, pk.column
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            if sequence is None:
                continue
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
            quoted = connection.ops.quote_name
            cursor.execute(f"SELECT max({quoted(column)}) FROM {quoted(table)}")
            largest = cursor.fetchone()[0]
            checked += 1
            next_value = last_value + 1 if is_called else last_value
            if largest is not None and next_value <= largest:
                behind.append(f"{label}: next id {next_value}, largest id {largest}")
    return {"checked": checked, "behind": behind}


def reset_sequences():
    """Reset the sequences of every model of every installed app (not only the loaded ones)."""
    connection = connections[DEFAULT_DB_ALIAS]
    every_model = [
        m
        for m in apps.get_models(include_auto_created=True)
        if router.allow_migrate_model(DEFAULT_DB_ALIAS, m)
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), every_model)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return len(statements)


def differences(expected, actual):
    lines = []
    for label in sorted(set(expected) | set(actual)):
        exp, act = expected.get(label), actual.get(label)
        if act is None:
            lines.append(f"{label}: in the source, not in the target")
        elif exp is None:
            lines.append(f"{label}: in the target, not in the source")
        elif exp["count"] != act["count"]:
            lines.append(f"{label}: {exp['count']} rows in the source, {act['count']} in the target")
        elif exp["sha256"] != act["sha256"]:
            lines.append(f"{label}: same row count ({act['count']}), different content")
    return lines


def load(chosen, fixture, expected):
    out = io.StringIO()
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        call_command("loaddata", fixture, stdout=out, verbosity=1)
        sequences_reset = reset_sequences()
        actual = fingerprint(chosen)
        sequences = sequence_report(chosen)
        result = {
            "loaddata": out.getvalue().strip(),
            "sequences_reset": sequences_reset,
            "sequences": sequences,
            "target": actual,
            "differences": differences(expected, actual),
        }
        if result["differences"] or sequences["behind"]:
            raise VerificationFailed(result)
    return result


def main():
    action = os.environ["DJANGOOPS_ACTION"]
    exclude = {label.lower() for label in json.loads(os.environ.get("DJANGOOPS_EXCLUDE", "[]"))}
    chosen = selected_models(exclude)
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if action == "inspect":
        result = {"vendor": vendor, "counts": counts(chosen)}
    elif action == "fingerprint":
        result = {"vendor": vendor, "models": fingerprint(chosen), "sequences": sequence_report(chosen)}
    elif action == "load":
        with open(os.environ["DJANGOOPS_EXPECT"], encoding="utf-8") as fh:
            expected = json.load(fh)["models"]
        try:
            result = {"vendor": vendor, "committed": True, **load(chosen, os.environ["DJANGOOPS_FIXTURE"], expected)}
        except VerificationFailed as exc:
            result = {"vendor": vendor, "committed": False, **exc.args[0]}
    else:
        sys.exit(f"unknown DJANGOOPS_ACTION {action!r}")
    text = json.dumps(result, sort_keys=True, ensure_ascii=False)
    if os.environ.get("DJANGOOPS_OUTPUT"):
        with open(os.environ["DJANGOOPS_OUTPUT"], "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    print(MARKER + text)


if __name__ == "__main__":
    main()
