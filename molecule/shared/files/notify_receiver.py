#!/usr/bin/env python3
"""The scenarios' stand-in for a team's notification endpoint.

    notify_receiver.py serve PORT FILE   # HTTP: each POSTed JSON body -> one line of FILE (answers 204)
    notify_receiver.py record FILE       # a notify_command: the JSON on stdin + DJANGOOPS_* -> one line of FILE

Each line is the JSON received, plus "via" (url or command), and for a command
the DJANGOOPS_* variables it was run with ("env").
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def append(path, record):
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record, sort_keys=True) + "\n")


def serve(port, path):
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                record = json.loads(body)
            except ValueError:
                self.send_response(400)
                self.end_headers()
                return
            record["via"] = "url"
            record["authorization"] = self.headers.get("Authorization", "")
            append(path, record)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(port)), Receiver).serve_forever()


def record(path):
    payload = json.load(sys.stdin)
    payload["via"] = "command"
    payload["env"] = {k: v for k, v in os.environ.items() if k.startswith("DJANGOOPS_")}
    append(path, payload)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"] and len(sys.argv) == 4:
        serve(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["record"] and len(sys.argv) == 3:
        record(sys.argv[2])
    else:
        sys.exit(__doc__)
