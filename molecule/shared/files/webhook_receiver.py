#!/usr/bin/env python3
"""The scenarios' stand-in for an alert webhook (an incident tool, a chat relay).

    webhook_receiver.py serve PORT FILE
        Accepts POSTs on 127.0.0.1:PORT and appends each JSON body to FILE as one
        line, {"received": <epoch seconds>, "body": ...}.
    webhook_receiver.py wait FILE SINCE STATUS NAME... [--timeout S]
        Waits until, for each alert NAME, Alertmanager has posted it with STATUS
        (firing or resolved) after the epoch time SINCE (a unit's failure hook,
        djangoops.deploy.unit_alerts, counts as the firing alert
        "unit_failed:<unit>"); prints {NAME: seconds
        from SINCE to its arrival} as JSON, and exits 1 naming the missing ones
        when S seconds (default 120) pass first.
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(port, path):
    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null")
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps({"received": time.time(), "body": body}, sort_keys=True) + "\n")
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(port)), Hook).serve_forever()


def arrivals(path, since, status):
    """{alertname: first arrival after since} of alerts posted with status."""
    seen = {}
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        return seen
    for line in lines:
        record = json.loads(line)
        if record["received"] < since:
            continue
        body = record["body"] or {}
        if body.get("event") == "unit_failed":
            body = {"alerts": [{"status": "firing", "labels": {"alertname": f"unit_failed:{body.get('unit')}"}}]}
        for alert in body.get("alerts", []):
            name = alert.get("labels", {}).get("alertname")
            if alert.get("status") == status and name not in seen:
                seen[name] = record["received"]
    return seen


def wait(path, since, status, names, timeout=120.0):
    deadline = time.time() + timeout
    while True:
        seen = arrivals(path, since, status)
        if all(name in seen for name in names):
            print(json.dumps({name: round(seen[name] - since, 1) for name in names}, sort_keys=True))
            return 0
        if time.time() > deadline:
            missing = [name for name in names if name not in seen]
            print(f"not {status} within {timeout:.0f} s: {', '.join(missing)}; arrived: "
                  f"{json.dumps({n: round(t - since, 1) for n, t in seen.items()}, sort_keys=True)}", file=sys.stderr)
            return 1
        time.sleep(0.5)


def main(argv):
    if argv[:1] == ["serve"] and len(argv) == 3:
        serve(argv[1], argv[2])
        return 0
    if argv[:1] == ["wait"] and len(argv) >= 5:
        timeout = 120.0
        if "--timeout" in argv:
            at = argv.index("--timeout")
            timeout = float(argv[at + 1])
            argv = argv[:at] + argv[at + 2:]
        return wait(argv[1], float(argv[2]), argv[3], argv[4:], timeout)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
