#!/usr/bin/env python3
"""Run a command (a redeploy) under steady HTTP load; report every failed request.

Python standard library only, so a Molecule verify step can call it as is:

  zero_downtime.py https://djangoops.localhost/health/ https://djangoops.localhost/ \\
      --resolve djangoops.localhost:443:127.0.0.1 --cafile cert.pem \\
      --concurrency 4 -- ansible-playbook -i inventory djangoops.deploy.deploy

Each of --concurrency threads sends GET requests, round robin over the URLs, on its
own keep-alive connection (a new one whenever the server closes it), from one
second before the command starts until --tail seconds after it ends. A request
fails when its status is not 2xx (redirects count as failures) or when it gets no
response at all (refused, reset, timed out, TLS error): "errors".

Prints one JSON object:
  {"requests", "non_2xx", "errors", "command_rc", "ok", "seconds", "requests_per_s",
   "statuses", "error_kinds", "failures" (the first 20, with time since start), ...}

Exit status: 0 all requests 2xx and the command succeeded; 1 a request failed;
2 usage error; 3 the target gave no 2xx answer during the warm-up (the command is
not run: nothing would be measured); 4 the command failed, no request did.

URLs may also be unix:/path/to.sock:/url/path (plain HTTP on a unix socket, with
--host-header naming the Host), to load an app server behind the proxy directly.
"""

import argparse
import http.client
import json
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit


class Target:
    """One URL: how to connect, and what to send."""

    def __init__(self, url, resolve, context, host_header, timeout):
        self.url = url
        self.timeout = timeout
        if url.startswith("unix:"):
            self.kind = "unix"
            self.socket_path, _, path = url[len("unix:"):].partition(":")
            self.path = path or "/"
            self.host = host_header or "localhost"
            self.port = None
            self.address = None
            return
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"unsupported URL {url!r}: http://, https:// or unix:PATH:/path")
        self.kind = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.address = resolve.get((self.host, self.port), self.host)
        self.context = context
        self.host_header = host_header

    def connect(self):
        if self.kind == "unix":
            conn = _UnixConnection(self.socket_path, self.host, self.timeout)
        elif self.kind == "https":
            conn = _ResolvedHTTPSConnection(self.host, self.port, self.address,
                                            timeout=self.timeout, context=self.context)
        else:
            conn = _ResolvedHTTPConnection(self.host, self.port, self.address, timeout=self.timeout)
        return conn

    def headers(self):
        headers = {"User-Agent": "djangoops-zero-downtime/1", "Accept": "*/*"}
        if self.kind != "unix" and getattr(self, "host_header", None):
            headers["Host"] = self.host_header
        if self.kind == "unix":
            # An app server behind the proxy: say what the proxy would.
            headers["X-Forwarded-Proto"] = "https"
        return headers


class _ResolvedHTTPConnection(http.client.HTTPConnection):
    """Like curl --resolve: connect to `address`, keep the name for Host."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _ResolvedHTTPSConnection(http.client.HTTPSConnection):
    """Like curl --resolve: connect to `address`, keep the name for SNI, Host and
    certificate checks."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, socket_path, host, timeout):
        super().__init__(host, timeout=timeout)
        self._socket_path = socket_path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._socket_path)
        self.sock = sock


class Load:
    def __init__(self, targets, concurrency, rate):
        self.targets = targets
        self.concurrency = concurrency
        # Pause between a thread's requests: bounds the load on small test hosts.
        self.pause = concurrency / rate if rate else 0.0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.error_kinds = Counter()
        self.failures = []
        self.requests = 0
        self.stale_retries = 0
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self._worker, args=(i,), daemon=True)
                        for i in range(concurrency)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _record(self, target, status=None, error=None):
        with self.lock:
            self.requests += 1
            if status is not None:
                self.statuses[str(status)] += 1
            if error is not None:
                self.error_kinds[error] += 1
            if (error is not None or not 200 <= status < 300) and len(self.failures) < 20:
                self.failures.append({"t": round(time.monotonic() - self.started, 3),
                                      "url": target.url, "status": status, "error": error})

    def _worker(self, index):
        conns = {}
        n = index  # threads start on different URLs
        while not self.stop.is_set():
            target = self.targets[n % len(self.targets)]
            n += 1
            conn = conns.get(target.url)
            fresh = conn is None
            status = closing = None
            try:
                if fresh:
                    conn = conns[target.url] = target.connect()
                status, closing = self._get(conn, target)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                # A reused keep-alive connection the server closed while idle is
                # not a failed request: every HTTP client retries it once.
                conns.pop(target.url, None)
                if conn is not None:
                    conn.close()
                if fresh:
                    self._record(target, error=type(exc).__name__)
                    self.stop.wait(0.05)
                    continue
                with self.lock:
                    self.stale_retries += 1
                try:
                    conn = conns[target.url] = target.connect()
                    status, closing = self._get(conn, target)
                except (OSError, http.client.HTTPException) as retry_exc:
                    conns.pop(target.url, None)
                    conn.close()
                    self._record(target, error=type(retry_exc).__name__)
                    self.stop.wait(0.05)
                    continue
            except (OSError, http.client.HTTPException) as exc:
                conns.pop(target.url, None)
                if conn is not None:
                    conn.close()
                self._record(target, error=type(exc).__name__)
                self.stop.wait(0.05)  # no busy loop against a dead target
                continue
            if closing:
                conns.pop(target.url, None)
                conn.close()
            self._record(target, status=status)
            if self.pause:
                self.stop.wait(self.pause)
        for conn in conns.values():
            conn.close()

    @staticmethod
    def _get(conn, target):
        conn.request("GET", target.path, headers=target.headers())
        response = conn.getresponse()
        response.read()
        return response.status, response.will_close

    def summary(self):
        with self.lock:
            non_2xx = sum(n for status, n in self.statuses.items() if not status.startswith("2"))
            errors = sum(self.error_kinds.values())
            return {"requests": self.requests, "non_2xx": non_2xx, "errors": errors,
                    "statuses": dict(self.statuses), "error_kinds": dict(self.error_kinds),
                    "failures": list(self.failures), "stale_retries": self.stale_retries}


def run_command(command, max_seconds):
    try:
        return subprocess.run(command, timeout=max_seconds, stdin=subprocess.DEVNULL, check=False).returncode
    except subprocess.TimeoutExpired:
        print(f"zero_downtime: {command[0]!r} still running after {max_seconds} s: killed", file=sys.stderr)
        return 124
    except OSError as exc:
        print(f"zero_downtime: cannot run {command[0]!r}: {exc}", file=sys.stderr)
        return 127


def parse_resolve(values):
    resolve = {}
    for value in values:
        try:
            host, port, address = value.split(":", 2)
            resolve[(host, int(port))] = address.strip("[]")
        except ValueError:
            raise SystemExit(f"--resolve wants HOST:PORT:ADDRESS, not {value!r}") from None
    return resolve


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("urls", nargs="+", metavar="URL")
    parser.add_argument("--resolve", action="append", default=[], metavar="HOST:PORT:ADDR",
                        help="connect to ADDR for HOST:PORT, as curl --resolve (repeatable)")
    parser.add_argument("--cafile", help="CA bundle to verify the server (default: the system's)")
    parser.add_argument("--insecure", action="store_true", help="do not verify the certificate")
    parser.add_argument("--host-header", help="Host header to send (default: the URL's host)")
    parser.add_argument("--concurrency", type=int, default=4, help="parallel connections (default 4)")
    parser.add_argument("--rate", type=float, default=0,
                        help="at most this many requests/s in all (default: as fast as answered)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds per request (default 10)")
    parser.add_argument("--warmup", type=float, default=1, help="load before the command, seconds (default 1)")
    parser.add_argument("--tail", type=float, default=2, help="load after the command, seconds (default 2)")
    parser.add_argument("--max-seconds", type=float, default=600,
                        help="kill the command after this long (default 600)")
    parser.add_argument("--output", help="also write the JSON summary to this file")
    parser.epilog = "After the options: -- COMMAND [ARGS...], what to run under load (e.g. the redeploy)."
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        parser.parse_args(argv)  # --help, or the usage errors
        parser.error("give the command to run after --")
    split = argv.index("--")
    args, command = parser.parse_args(argv[:split]), argv[split + 1:]
    if not command:
        parser.error("give the command to run after --")

    context = None
    if any(url.startswith("https:") for url in args.urls):
        context = ssl.create_default_context(cafile=args.cafile)
        if args.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    try:
        targets = [Target(url, parse_resolve(args.resolve), context, args.host_header, args.timeout)
                   for url in args.urls]
    except ValueError as exc:
        parser.error(str(exc))

    load = Load(targets, max(1, args.concurrency), args.rate)
    load.start()
    time.sleep(args.warmup)
    before = load.summary()
    answered_before = sum(int(n) for s, n in before["statuses"].items() if s.startswith("2"))

    command_started = time.monotonic()
    if answered_before == 0:
        # The target does not answer yet: measuring a deploy against it means nothing.
        print("zero_downtime: no 2xx answer before the command; not running it", file=sys.stderr)
        command_rc = None
    else:
        command_rc = run_command(command, args.max_seconds)
    command_seconds = time.monotonic() - command_started
    time.sleep(args.tail)
    load.finish()

    result = load.summary()
    seconds = time.monotonic() - load.started
    result.update({
        "command_rc": command_rc,
        "command_seconds": round(command_seconds, 2),
        "seconds": round(seconds, 2),
        "requests_per_s": round(result["requests"] / seconds, 1) if seconds else 0,
        "concurrency": load.concurrency,
        "urls": args.urls,
        "command": command,
    })
    if answered_before == 0:
        verdict = 3
    elif result["non_2xx"] or result["errors"]:
        verdict = 1
    elif command_rc != 0:
        verdict = 4
    else:
        verdict = 0
    result["ok"] = verdict == 0
    text = json.dumps(result, sort_keys=True)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return verdict


if __name__ == "__main__":
    sys.exit(main())
