"""journal_merge: several hosts' journal JSON, one log ordered by time."""

import importlib.util
import json
import pathlib

import pytest
from ansible.errors import AnsibleFilterError

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("journal", ROOT / "plugins" / "filter" / "journal.py")
journal = importlib.util.module_from_spec(spec)
spec.loader.exec_module(journal)


def entry(seconds, unit, message, pid="42"):
    return json.dumps({"__REALTIME_TIMESTAMP": str(int(seconds * 1e6)), "_SYSTEMD_UNIT": unit,
                       "_PID": pid, "MESSAGE": message})


def test_lines_from_two_hosts_are_interleaved_by_time():
    app1 = "\n".join([entry(1764732000.0, "shop-gunicorn.service", "a1"), entry(1764732002.5, "shop-daphne@1.service", "a3")])
    app2 = "\n".join([entry(1764732001.25, "shop-gunicorn.service", "b2", pid="7")])
    merged = journal.journal_merge({"app1": app1, "app2": app2})
    assert merged == journal.journal_merge([{"host": "app1", "stdout": app1}, {"host": "app2", "stdout": app2}])
    assert merged == [
        "2025-12-03 03:20:00.000 app1 shop-gunicorn.service[42]: a1",
        "2025-12-03 03:20:01.250 app2 shop-gunicorn.service[7]: b2",
        "2025-12-03 03:20:02.500 app1 shop-daphne@1.service[42]: a3",
    ]


def test_only_the_newest_lines_are_kept_and_odd_messages_survive():
    out = "\n".join(entry(1764732000 + n, "shop-gunicorn.service", f"m{n}") for n in range(10))
    bytes_message = json.dumps({"__REALTIME_TIMESTAMP": str(int(1764732100 * 1e6)), "SYSLOG_IDENTIFIER": "shop-backup",
                                "MESSAGE": list(b"caf\xc3\xa9 \xff")})
    merged = journal.journal_merge([{"host": "app1", "stdout": out + "\n" + bytes_message + "\n\n"}], "3")
    assert [line.split(": ", 1)[1] for line in merged] == ["m8", "m9", "caf\u00e9 \ufffd"]
    assert " shop-backup: " in merged[-1]


def test_empty_output_and_bad_input():
    assert journal.journal_merge([{"host": "app1", "stdout": ""}, {"host": "app2", "stdout": "-- No entries --"}]) == []
    with pytest.raises(AnsibleFilterError, match="lines must be at least 1"):
        journal.journal_merge([], 0)
    with pytest.raises(AnsibleFilterError, match="app1 sent a line that is not journal JSON"):
        journal.journal_merge([{"host": "app1", "stdout": "Failed to parse"}])
