#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Poll every app server process of a host at once, against one wall-clock deadline."""

from __future__ import annotations

DOCUMENTATION = r"""
module: health_probe
short_description: Check every app server process of a host together, within one deadline
description:
  - Polls an HTTP path on each endpoint (a unix socket path or host:port) concurrently, one
    thread per endpoint, until each answers 200 (and, when I(release_field) is set, names
    I(release) in that field of its JSON answer) or until I(timeout) seconds have passed
    since the module started, whichever comes first.
  - For endpoints marked C(websocket), once HTTP passes it also opens a websocket on
    I(websocket_path), sends a token and expects it echoed.
  - The whole check takes at most I(timeout) plus one request's timeout, whatever the number
    of endpoints. Standard library only, so it runs with the host's Python.
version_added: "1.1.0"
author: djangoops.deploy maintainers
options:
  endpoints:
    description: The processes to check, each a unix socket path (starting with /) or host:port.
    type: list
    elements: str
    required: true
  websocket_endpoints:
    description: Those of I(endpoints) that must also echo on I(websocket_path).
    type: list
    elements: str
    default: []
  path:
    description: The HTTP path that answers 200 only when the process can serve.
    type: str
    default: /readiness/
  host:
    description: The Host header sent.
    type: str
    default: localhost
  headers:
    description: Further request headers, e.g. X-Forwarded-Proto.
    type: dict
    default: {}
  release_field:
    description: A field of the JSON answer that names the release the process serves.
    type: str
    default: ""
  release:
    description: The release each process must name in I(release_field).
    type: str
    default: ""
  current:
    description: A symlink to the live release; when I(release) is empty, the release it names is the one expected.
    type: str
    default: ""
  websocket_path:
    description: A websocket route that echoes what it is sent.
    type: str
    default: ""
  origin:
    description: The Origin header of the websocket handshake.
    type: str
    default: http://localhost
  timeout:
    description: Seconds, for all endpoints together, from the module's start.
    type: float
    default: 60
  interval:
    description: Seconds between two tries on one endpoint.
    type: float
    default: 1
  request_timeout:
    description: Seconds one request may take (never past the deadline).
    type: float
    default: 5
"""

EXAMPLES = r"""
- name: Check Gunicorn and two Daphne processes for /readiness/ within 30 s
  djangoops.deploy.health_probe:
    endpoints: [/run/shop/gunicorn.sock, /run/shop/daphne-1.sock, "127.0.0.1:8102"]
    websocket_endpoints: [/run/shop/daphne-1.sock, "127.0.0.1:8102"]
    path: /readiness/
    release_field: release
    release: 20261202150000-0123456789ab
    websocket_path: /ws/echo/
    timeout: 30
"""

RETURN = r"""
checks:
  description: One entry per endpoint, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: The endpoint's address., type: str}
    ok: {description: Whether every check passed before the deadline., type: bool}
    status: {description: The last HTTP status (-1 when no answer came)., type: int}
    served: {description: The release named in release_field, if any., type: str}
    detail: {description: What the last failing try saw (empty when ok)., type: str}
    attempts: {description: How many tries were made., type: int}
    seconds: {description: Seconds from the start until it passed (or gave up)., type: float}
release:
  description: The release the processes had to name (I(release), or the one I(current) names).
  type: str
  returned: always
failures:
  description: One line per endpoint that did not pass.
  returned: always
  type: list
  elements: str
seconds:
  description: Seconds the whole check took.
  returned: always
  type: float
"""

import base64
import http.client
import json
import os
import socket
import struct
import threading
import time

from ansible.module_utils.basic import AnsibleModule


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a unix socket."""

    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self._unix_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._unix_path)
        self.sock = sock


def _split_address(address):
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{address!r} is neither a unix socket path nor host:port")
    return host.strip("[]"), int(port)


def http_get(address, path, headers, timeout):
    """(status, body) of one GET; raises OSError when no answer came."""
    if address.startswith("/"):
        conn = UnixHTTPConnection(address, timeout)
    else:
        host, port = _split_address(address)
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(4096).decode("utf-8", errors="replace")
    finally:
        conn.close()


def _connect(address, timeout):
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(address)
        return sock
    return socket.create_connection(_split_address(address), timeout=timeout)


def _read_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("connection closed by the server")
        data += chunk
    return data


def websocket_echo(address, path, host, origin, timeout):
    """Open a websocket, send a token, return None if it came back, else the reason."""
    token = "djangoops-health-gate-" + base64.b16encode(os.urandom(6)).decode().lower()
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    )
    with _connect(address, timeout) as sock:
        sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                return f"websocket {path}: no handshake answer (got {response[:80]!r})"
            response += chunk
        status = response.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 101 " not in status + " ":
            return f"websocket {path}: handshake refused: {status}"
        buffered = bytearray(response.split(b"\r\n\r\n", 1)[1])

        payload = token.encode()
        mask = os.urandom(4)
        header = bytes([0x81, 0x80 | len(payload)])
        sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

        def take(count):
            nonlocal buffered
            if len(buffered) < count:
                buffered += _read_exact(sock, count - len(buffered))
            data, buffered = bytes(buffered[:count]), buffered[count:]
            return data

        while True:
            first, second = take(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack("!H", take(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", take(8))[0]
            data = take(length)
            if opcode == 0x1:
                text = data.decode(errors="replace")
                return None if token in text else f"websocket {path}: sent {token!r}, got {text[:200]!r}"
            if opcode == 0x8:
                return f"websocket {path}: the server closed the websocket"


def check_once(endpoint, opts, request_timeout):
    """One try on one endpoint: (ok, status, served, detail)."""
    headers = {"Host": opts["host"], **opts["headers"]}
    try:
        status, body = http_get(endpoint["address"], opts["path"], headers, request_timeout)
    except (OSError, ValueError, http.client.HTTPException) as error:
        return False, -1, "", f"{opts['path']}: no answer ({error})"
    served = ""
    if opts["release_field"]:
        try:
            served = str((json.loads(body) or {}).get(opts["release_field"], ""))
        except (ValueError, AttributeError):
            served = ""
    if status != 200:
        return False, status, served, f"{opts['path']}: HTTP {status} {' '.join(body[:300].split())}"
    if opts["release_field"] and served != opts["release"]:
        return False, status, served, f"still serves release {served or 'unknown'}"
    if endpoint.get("websocket") and opts["websocket_path"]:
        try:
            problem = websocket_echo(endpoint["address"], opts["websocket_path"], opts["host"],
                                     opts["origin"], request_timeout)
        except (OSError, ValueError) as error:
            problem = f"websocket {opts['websocket_path']}: {error}"
        if problem:
            return False, status, served, problem
    return True, status, served, ""


def probe(endpoints, opts, clock=time.monotonic, sleep=time.sleep):
    """Check all endpoints concurrently until each passes or the deadline; one dict each."""
    started = clock()
    deadline = started + float(opts["timeout"])
    results = [None] * len(endpoints)

    def watch(index, endpoint):
        attempts, last = 0, (False, -1, "", "not tried")
        while True:
            remaining = deadline - clock()
            attempts += 1
            last = check_once(endpoint, opts, max(0.5, min(float(opts["request_timeout"]), remaining)))
            if last[0]:
                break
            remaining = deadline - clock()
            if remaining <= 0:
                break
            sleep(min(float(opts["interval"]), remaining))
        results[index] = {
            "name": endpoint["name"], "ok": last[0], "status": last[1], "served": last[2],
            "detail": last[3], "attempts": attempts, "seconds": round(clock() - started, 2),
        }

    threads = [threading.Thread(target=watch, args=(i, e), daemon=True) for i, e in enumerate(endpoints)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, round(clock() - started, 2)


def failures(results):
    return [f"{r['name']} {r['detail']}".strip() for r in results if not r["ok"]]


def main():
    module = AnsibleModule(
        argument_spec={
            "endpoints": {"type": "list", "elements": "str", "required": True},
            "websocket_endpoints": {"type": "list", "elements": "str", "default": []},
            "path": {"type": "str", "default": "/readiness/"},
            "host": {"type": "str", "default": "localhost"},
            "headers": {"type": "dict", "default": {}},
            "release_field": {"type": "str", "default": ""},
            "release": {"type": "str", "default": ""},
            "current": {"type": "str", "default": ""},
            "websocket_path": {"type": "str", "default": ""},
            "origin": {"type": "str", "default": "http://localhost"},
            "timeout": {"type": "float", "default": 60},
            "interval": {"type": "float", "default": 1},
            "request_timeout": {"type": "float", "default": 5},
        },
        supports_check_mode=True,
    )
    params = module.params
    if params["timeout"] <= 0 or params["interval"] <= 0 or params["request_timeout"] <= 0:
        module.fail_json(msg="health_probe: timeout, interval and request_timeout must be positive")
    if not params["endpoints"]:
        module.fail_json(msg="health_probe: endpoints is empty; name at least one process to check")
    if params["current"] and not params["release"]:
        # The live release: what the symlink `current` names (no separate stat).
        params["release"] = os.path.basename(os.readlink(params["current"])) if os.path.islink(params["current"]) else ""
    endpoints = [{"name": address, "address": address, "websocket": address in params["websocket_endpoints"]}
                 for address in params["endpoints"]]
    results, seconds = probe(endpoints, params)
    failed = failures(results)
    module.exit_json(changed=False, checks=results, failures=failed, seconds=seconds, release=params["release"])


if __name__ == "__main__":
    main()
