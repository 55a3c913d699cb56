"""djangoops.deploy.pitr_target: a point-in-time restore target is checked before anything stops."""

import importlib.util
import json
import pathlib

import pytest
from ansible.errors import AnsibleFilterError

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("pg_filter", ROOT / "plugins" / "filter" / "postgresql.py")
pg_filter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pg_filter)

# 2026-12-04 12:00:00 UTC and 13:00:00 UTC: the end of two backups.
FIRST, SECOND = 1796385600, 1796389200
INFO = json.dumps([{"name": "main", "status": {"code": 0, "message": "ok"}, "backup": [
    {"label": "20261204-115900F", "type": "full", "timestamp": {"start": FIRST - 60, "stop": FIRST}},
    {"label": "20261204-125900F_20261204-125900D", "type": "diff", "timestamp": {"start": SECOND - 60, "stop": SECOND}},
]}])
NOW = SECOND + 3600
POINTS = f"django-20261204T120500Z\t{FIRST + 300}\t0/3000028\ndjango-20261204T131000Z\t{SECOND + 600}\t0/5000028\n"


def target(time="", point=""):
    return pg_filter.pitr_target({"time": time, "point": point}, INFO, NOW, POINTS)


def test_a_time_picks_the_newest_backup_that_ended_before_it():
    assert target("2026-12-04 12:30:00") == {
        "type": "time", "target": "2026-12-04 12:30:00.000000+00", "epoch": FIRST + 1800,
        "set": "20261204-115900F", "backup_stop": FIRST, "newest_backup_stop": SECOND}
    assert target("2026-12-04T13:30:00Z")["set"] == "20261204-125900F_20261204-125900D"


def test_an_offset_is_converted_to_utc():
    late = target("2026-12-04T14:30:00+01:00")
    assert late["target"] == "2026-12-04 13:30:00.000000+00"
    assert late["set"] == "20261204-125900F_20261204-125900D"


def test_a_restore_point_is_looked_up_in_the_file():
    # The playbook passes the clock's line first: lines without a tab are not points.
    point = pg_filter.pitr_target({"point": "django-20261204T131000Z"}, INFO, NOW, f"{NOW}.25\n" + POINTS)
    assert (point["target"], point["set"]) == ("django-20261204T131000Z", "20261204-125900F_20261204-125900D")
    point = target(point="django-20261204T120500Z")
    assert (point["type"], point["target"], point["epoch"], point["set"]) == (
        "name", "django-20261204T120500Z", FIRST + 300, "20261204-115900F")


@pytest.mark.parametrize("time, point, message", [
    ("", "", "exactly one restore target"),
    ("2026-12-04 12:30:00", "django-20261204T120500Z", "exactly one restore target"),
    ("yesterday", "", "must be a time like"),
    ("2026-12-04 25:00:00", "", "must be a time like"),
    ("2026-12-04 15:00:01", "", "is in the future"),
    ("2026-12-04 11:59:59", "", "before the end of the oldest backup"),
    ("", "django-20261201T000000Z", "is not in the restore points file (the latest: django-20261204T120500Z, django-20261204T131000Z)"),
    ("", "drop table;", "must be a restore point's name"),
])
def test_bad_targets_are_refused_with_what_to_fix(time, point, message):
    with pytest.raises(AnsibleFilterError, match=None) as refused:
        target(time, point)
    assert message in str(refused.value)


def test_no_backup_is_refused():
    empty = json.dumps([{"name": "main", "status": {"code": 2, "message": "no valid backups"}, "backup": []}])
    with pytest.raises(AnsibleFilterError) as refused:
        pg_filter.pitr_target({"time": "2026-12-04 12:30:00"}, empty, NOW)
    assert "has no backup to restore from (no valid backups)" in str(refused.value)
