#!/usr/bin/env python3
"""The scenarios' stand-in for an alert webhook (an incident tool, a chat relay).

    webhook_receiver.py serve PORT FILE
        Accepts POSTs on 127.0.0.1:PORT and appends each JSON body to FILE as one
        line, {"received": <epoch seconds>, "body": ...}.
    webhook_receiver.py smtp PORT FILE
        An SMTP server on 127.0.0.1:PORT (no TLS, no AUTH: Alertmanager with
        require_tls false) that appends each message to FILE the same way,
        {"received": ..., "body": {"event": "email", "from", "to", "subject"}}.
    webhook_receiver.py wait FILE SINCE STATUS NAME... [--timeout S]
        Waits until, for each alert NAME, Alertmanager has posted it with STATUS
        (firing or resolved) after the epoch time SINCE (a unit's failure hook,
        djangoops.deploy.unit_alerts, counts as the firing alert
        "unit_failed:<unit>"; an e-mail whose subject is "[FIRING:n] <alert> ..."
        or "[RESOLVED] <alert> ..." as "email:<alert>"); prints {NAME: seconds
        from SINCE to its arrival} as JSON, and exits 1 naming the missing ones
        when S seconds (default 120) pass first.
"""

import email
import email.policy
import json
import re
import socketserver
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SUBJECT = re.compile(r"^\[(FIRING|RESOLVED)(?::\d+)?\] (\S+)")


def record(path, body):
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"received": time.time(), "body": body}, sort_keys=True) + "\n")


def serve(port, path):
    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            record(path, json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"null"))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(port)), Hook).serve_forever()


class SMTPSession(socketserver.StreamRequestHandler):
    """Just enough SMTP for one client at a time: EHLO, MAIL, RCPT, DATA, QUIT."""

    path = None

    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def message(self):
        lines = []
        for line in self.rfile:
            if line.rstrip(b"\r\n") == b".":
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        return email.message_from_bytes(b"".join(lines), policy=email.policy.default)

    def handle(self):
        self.reply("220 djangoops-test ESMTP")
        sender, recipients = "", []
        for raw in self.rfile:
            line = raw.decode("latin-1").strip()
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO", "RSET", "NOOP"):
                self.reply("250 djangoops-test")
            elif verb == "MAIL":
                sender, recipients = argument.partition(":")[2].strip(" <>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(argument.partition(":")[2].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                message = self.message()
                record(self.path, {"event": "email", "from": sender, "to": recipients,
                                   "subject": str(message["subject"] or "")})
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


class SMTPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def smtp_server(port, path):
    """The SMTP server, bound (port 0: any free one) but not yet serving."""
    return SMTPServer(("127.0.0.1", int(port)), type("Session", (SMTPSession,), {"path": path}))


def smtp(port, path):
    smtp_server(port, path).serve_forever()


def _as_alerts(body):
    """A failure hook or an e-mail as the alerts of an Alertmanager post."""
    if body.get("event") == "unit_failed":
        return [{"status": "firing", "labels": {"alertname": f"unit_failed:{body.get('unit')}"}}]
    if body.get("event") == "email":
        found = SUBJECT.match(body.get("subject", ""))
        if not found:
            return []
        return [{"status": found.group(1).lower(), "labels": {"alertname": f"email:{found.group(2)}"}}]
    return body.get("alerts", [])


def arrivals(path, since, status):
    """{alertname: first arrival after since} of alerts posted with status."""
    seen = {}
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except FileNotFoundError:
        return seen
    for line in lines:
        entry = json.loads(line)
        if entry["received"] < since:
            continue
        for alert in _as_alerts(entry["body"] or {}):
            name = alert.get("labels", {}).get("alertname")
            if alert.get("status") == status and name not in seen:
                seen[name] = entry["received"]
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
    if argv[:1] == ["smtp"] and len(argv) == 3:
        smtp(argv[1], argv[2])
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
