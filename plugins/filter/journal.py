"""Filters for journal output (journalctl --output=json) gathered from several hosts."""

# Documented in journal_merge.yml (ansible-doc -t filter djangoops.deploy.journal_merge).

import datetime
import json

from ansible.errors import AnsibleFilterError


def _entries(host, stdout):
    for line in str(stdout or "").splitlines():
        line = line.strip()
        if not line or line.startswith("-- "):  # journalctl's notices ("-- No entries --")
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            raise AnsibleFilterError(f"journal_merge: {host} sent a line that is not journal JSON: {line[:120]!r}") from None
        try:
            micros = int(entry.get("__REALTIME_TIMESTAMP", 0))
        except (TypeError, ValueError):
            micros = 0
        message = entry.get("MESSAGE", "")
        if isinstance(message, list):  # journald sends non-UTF-8 messages as byte arrays
            message = bytes(message).decode("utf-8", "replace")
        unit = entry.get("_SYSTEMD_UNIT") or entry.get("SYSLOG_IDENTIFIER") or "?"
        yield micros, host, unit, entry.get("_PID", ""), message


def journal_merge(results, lines=100):
    """Merge per-host journal JSON into one list of lines ordered by time, the
    last `lines` of them: "<UTC time> <host> <unit>[<pid>]: <message>".
    `results` maps each host to its output, or is a list of {host, stdout}."""
    try:
        lines = int(lines)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"journal_merge: lines must be a whole number, not {lines!r}") from None
    if lines < 1:
        raise AnsibleFilterError(f"journal_merge: lines must be at least 1, not {lines}")
    if isinstance(results, dict):
        results = [{"host": host, "stdout": stdout} for host, stdout in results.items()]
    merged = []
    for result in results:
        merged.extend(_entries(result.get("host", "?"), result.get("stdout", "")))
    merged.sort(key=lambda entry: (entry[0], entry[1]))
    out = []
    for micros, host, unit, pid, message in merged[-lines:]:
        when = datetime.datetime.fromtimestamp(micros / 1e6, tz=datetime.timezone.utc)
        out.append(f"{when:%Y-%m-%d %H:%M:%S.%f}"[:-3] + f" {host} {unit}{f'[{pid}]' if pid else ''}: {message}")
    return out


class FilterModule:
    def filters(self):
        return {"journal_merge": journal_merge}
