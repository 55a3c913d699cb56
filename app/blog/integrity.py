"""Backend-independent fingerprints of the data, for migrations and restores.

For every model: the row count and a SHA-256 over a canonical serialisation of
each row, rows ordered by primary key. The same data gives the same digest on
SQLite and PostgreSQL, after dumpdata/loaddata or pg_dump/pg_restore.

Auto-created many-to-many tables are hashed without their own id (loaddata
recreates those rows with new ids) and ordered by their two foreign keys.
"""

import datetime
import decimal
import hashlib
import json
import uuid
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, models


def canonical(value):
    """A JSON-ready value that does not depend on the database backend."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
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
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def row_bytes(values):
    return (
        json.dumps([canonical(v) for v in values], ensure_ascii=False, separators=(",", ":")) + "\n"
    ).encode("utf-8")


def _columns(model):
    """(columns to hash, ordering) for a model."""
    fields = [f for f in model._meta.concrete_fields]
    if model._meta.auto_created:
        # Generated M2M table: its id is an accident of insertion order.
        columns = sorted(f.attname for f in fields if not f.primary_key)
        return columns, columns
    columns = sorted(f.attname for f in fields)
    return columns, [model._meta.pk.attname]


def model_digest(model, using=DEFAULT_DB_ALIAS):
    columns, ordering = _columns(model)
    digest = hashlib.sha256()
    count = 0
    rows = model._base_manager.using(using).order_by(*ordering).values_list(*columns)
    for row in rows.iterator(chunk_size=2000):
        digest.update(row_bytes(row))
        count += 1
    return {"count": count, "sha256": digest.hexdigest()}


def models_for(labels):
    """Models named by app labels ("blog") or model labels ("blog.Post"),
    with their auto-created many-to-many tables, in a stable order."""
    selected = []
    for label in labels:
        if "." in label:
            selected.append(apps.get_model(label))
        else:
            selected.extend(apps.get_app_config(label).get_models())
    result = {}
    for model in selected:
        result[model._meta.label_lower] = model
        for m2m in model._meta.local_many_to_many:
            through = m2m.remote_field.through
            if through._meta.auto_created:
                result[through._meta.label_lower] = through
    return dict(sorted(result.items()))


def media_digest(model, using=DEFAULT_DB_ALIAS):
    """Files referenced by the model's FileFields: count, missing names, content digest."""
    file_fields = [
        f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)
    ]
    digest = hashlib.sha256()
    referenced, missing = 0, []
    names = set()
    for field in file_fields:
        rows = model._base_manager.using(using).exclude(**{field: ""}).exclude(**{field: None})
        names.update(rows.values_list(field, flat=True))
    for name in sorted(names):
        referenced += 1
        if not default_storage.exists(name):
            missing.append(name)
            continue
        content = hashlib.sha256()
        with default_storage.open(name, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                content.update(chunk)
        digest.update(row_bytes([name, content.hexdigest()]))
    return {
        "root": str(Path(settings.MEDIA_ROOT)),
        "files": referenced,
        "missing": missing,
        "sha256": digest.hexdigest(),
    }


def fingerprint(labels=("blog",), using=DEFAULT_DB_ALIAS, media_models=()):
    report = {"models": {label: model_digest(m, using) for label, m in models_for(labels).items()}}
    if media_models:
        report["media"] = {m._meta.label_lower: media_digest(m, using) for m in media_models}
    return report


def differences(expected, actual):
    """Human-readable lines for every model whose count or digest changed."""
    lines = []
    for section in ("models", "media"):
        exp, act = expected.get(section, {}), actual.get(section, {})
        for label in sorted(set(exp) | set(act)):
            if label not in act:
                lines.append(f"{section} {label}: missing now")
            elif label not in exp:
                lines.append(f"{section} {label}: not in the expected report")
            elif exp[label] != act[label]:
                changed = {
                    key: f"{exp[label].get(key)!r} -> {act[label].get(key)!r}"
                    for key in sorted(set(exp[label]) | set(act[label]))
                    if key != "root" and exp[label].get(key) != act[label].get(key)
                }
                if changed:
                    lines.append(
                        f"{section} {label}: " + ", ".join(f"{k} {v}" for k, v in changed.items())
                    )
    return lines
