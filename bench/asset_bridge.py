#!/usr/bin/env python3
"""Browse a site as open browser tabs do during a redeploy, and count the hashed assets.

Python standard library only, so a Molecule verify step can copy it to a host:

  asset_bridge.py https://www.example.test/ --cafile cert.pem --seconds 600

Round after round, until SIGINT/SIGTERM or --seconds: load the page, then fetch
(gzip accepted, as a browser asks) every hashed static file (`name.<12 hex>.css|js`,
ManifestStaticFilesStorage's names) that *any* page loaded so far has linked. After a
switch to a release whose CSS or JS changed, the page links new names, and the
previous release's names are still asked for: what a page rendered before the
switch (still open, or served by an app host not yet switched) asks for.

"Previous" names are those the first page linked; the switch is the first round
whose page links a name not among them. Prints one JSON object:
  {"rounds", "pages": {status: n}, "previous": [urls], "new": [urls],
   "switched_after_s", "assets": {url: {status: n}},
   "previous_after_switch": {"requests", "non_200", "errors"}, "new_assets": {...the same},
   "asset_requests", "asset_non_200", "first_failures": [...]}
A status is the HTTP code, or "error:<exception>" when no answer came. Exit 0.
"""

import argparse
import http.client
import json
import re
import signal
import ssl
import sys
import time
from collections import Counter, defaultdict
from urllib.parse import urlsplit

HASHED = re.compile(r'(?:href|src)="(/[^"]+\.[0-9a-f]{12}\.(?:css|js))"')


class Client:
    """One keep-alive connection, opened again whenever it breaks."""

    def __init__(self, base, cafile, timeout):
        parts = urlsplit(base)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port or (443 if self.https else 80)
        self.netloc = parts.netloc
        self.context = ssl.create_default_context(cafile=cafile) if self.https else None
        self.timeout = timeout
        self.conn = None

    def get(self, path, gzip=False):
        headers = {"Host": self.netloc, "Accept-Encoding": "gzip" if gzip else "identity"}
        for attempt in (1, 2):
            if self.conn is None:
                if self.https:
                    self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                            context=self.context)
                else:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return str(response.status), body
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                # A keep-alive connection the server closed between requests: the
                # request never reached it, retried once on a new connection, as browsers do.
                self.close()
                if attempt == 2:
                    return f"error:{type(error).__name__}", b""
            except (OSError, http.client.HTTPException) as error:
                self.close()
                return f"error:{type(error).__name__}", b""
        return "error:unreachable", b""

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", help="the page to load, e.g. https://www.example.test/")
    parser.add_argument("--cafile", help="trust only this CA bundle (HTTPS)")
    parser.add_argument("--seconds", type=float, default=600, help="stop after this long (default 600)")
    parser.add_argument("--interval", type=float, default=0.2, help="pause between rounds, s (default 0.2)")
    parser.add_argument("--timeout", type=float, default=30, help="per request, s (default 30)")
    parser.add_argument("--output", help="write the JSON here too")
    args = parser.parse_args()

    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.append(True))

    client = Client(args.page, args.cafile, args.timeout)
    path = urlsplit(args.page).path or "/"
    started = time.monotonic()
    pages, assets = Counter(), defaultdict(Counter)
    known, previous, switched_at, failures, rounds = [], None, None, [], 0
    previous_after, new_requests = Counter(), Counter()

    def record(url, status):
        if status != "200" and len(failures) < 20:
            failures.append({"url": url, "status": status, "t": round(time.monotonic() - started, 2)})

    while not stop and time.monotonic() - started < args.seconds:
        rounds += 1
        status, body = client.get(path)
        pages[status] += 1
        record(path, status)
        if status == "200":
            linked = HASHED.findall(body.decode("utf-8", "replace"))
            if previous is None:
                previous = list(dict.fromkeys(linked))
            for url in linked:
                if url not in known:
                    known.append(url)
                    if url not in previous and switched_at is None:
                        switched_at = time.monotonic() - started
        for url in known:
            status, _ = client.get(url, gzip=True)
            assets[url][status] += 1
            record(url, status)
            if url not in (previous or []):
                new_requests[status] += 1
            elif switched_at is not None:
                previous_after[status] += 1
        time.sleep(args.interval)

    def summary(counter):
        return {"requests": sum(counter.values()), "non_200": sum(n for s, n in counter.items() if s != "200"),
                "errors": sum(n for s, n in counter.items() if s.startswith("error"))}

    result = {
        "rounds": rounds,
        "seconds": round(time.monotonic() - started, 1),
        "pages": dict(pages),
        "previous": previous or [],
        "new": [url for url in known if url not in (previous or [])],
        "switched_after_s": None if switched_at is None else round(switched_at, 1),
        "assets": {url: dict(counts) for url, counts in assets.items()},
        "previous_after_switch": summary(previous_after),
        "new_assets": summary(new_requests),
        "asset_requests": sum(sum(c.values()) for c in assets.values()),
        "asset_non_200": sum(n for c in assets.values() for s, n in c.items() if s != "200"),
        "first_failures": failures,
    }
    text = json.dumps(result, sort_keys=True)
    if args.output:
        with open(args.output, "w") as out:
            out.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
