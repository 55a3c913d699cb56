#!/usr/bin/python3
"""Called by djangoops-unit-failed@<unit>.service when <unit> fails (OnFailure=):
POSTs {event, unit, host, time, result, exit_status, restarts, journal} as JSON
to the URL in /etc/djangoops/unit-alerts.json, with its headers. Managed by
djangoops.deploy.unit_alerts."""

import datetime
import json
import socket
import subprocess
import sys
import urllib.request

SETTINGS = "/etc/djangoops/unit-alerts.json"


def unit_state(unit):
    shown = subprocess.run(["systemctl", "show", unit, "--property=Result,ExecMainStatus,NRestarts"],
                           capture_output=True, text=True, check=False).stdout
    return dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)


def main(unit):
    with open(SETTINGS, encoding="utf-8") as settings_file:
        settings = json.load(settings_file)
    state = unit_state(unit)
    journal = []
    if settings.get("journal_lines", 0) > 0:
        journal = subprocess.run(["journalctl", "--unit", unit, "--lines", str(settings["journal_lines"]),
                                  "--no-pager", "--output", "short-iso"],
                                 capture_output=True, text=True, check=False).stdout.splitlines()
    body = {
        "event": "unit_failed",
        "unit": unit,
        "host": socket.getfqdn(),
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "result": state.get("Result", ""),
        "exit_status": state.get("ExecMainStatus", ""),
        "restarts": state.get("NRestarts", ""),
        "journal": [line[:500] for line in journal],
    }
    request = urllib.request.Request(settings["url"], data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **settings.get("headers", {})})
    with urllib.request.urlopen(request, timeout=10) as answer:
        print(f"{unit} failed ({body['result']}): told {settings['url'].split('?')[0]}, HTTP {answer.status}")


if __name__ == "__main__":
    main(sys.argv[1])
