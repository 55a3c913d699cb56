#!/usr/bin/env python3
"""The scenarios' stand-in for a Sentry-protocol server (Sentry, GlitchTip).

    sentry_receiver.py PORT FILE

Accepts the SDK's envelopes (POST /api/<project>/envelope/, gzip or deflate) on
127.0.0.1:PORT and appends each item of each envelope to FILE as one JSON line.
"""

import gzip
import json
import sys
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main(port, path):
    class Envelope(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            with open(path, "a", encoding="utf-8") as out:
                for line in body.split(b"\n")[1:]:
                    if line.startswith(b"{"):
                        out.write(json.dumps(json.loads(line), sort_keys=True) + "\n")
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(port)), Envelope).serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:3])
