"""health_probe polls every process of a host concurrently against one deadline: a failing
release must be reported within the timeout whatever the number of processes, each
answer named, and a process still serving the old release must not pass."""
import importlib.util
import json
import pathlib
import socket
import socketserver
import struct
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

spec = importlib.util.spec_from_file_location(
    "health_probe", pathlib.Path(__file__).parents[2] / "plugins/modules/health_probe.py"
)
health_probe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(health_probe)

OPTS = {"path": "/readiness/", "host": "localhost", "headers": {}, "release_field": "release",
        "release": "r2", "websocket_path": "", "origin": "http://localhost",
        "timeout": 3, "interval": 0.1, "request_timeout": 1}


def opts(**changes):
    return {**OPTS, **changes}


def serve(answer):
    """An HTTP server on 127.0.0.1 whose GET answers answer(path, headers) -> (status, dict)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            status, body = answer(self.path, self.headers)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def servers():
    started = []

    def start(answer):
        server, address = serve(answer)
        started.append(server)
        return address

    yield start
    for server in started:
        server.shutdown()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def test_all_pass_when_each_serves_the_release(servers):
    address = servers(lambda path, headers: (200, {"release": "r2"}))
    results, _ = health_probe.probe([{"name": "gunicorn", "address": address},
                                     {"name": "daphne-1", "address": address}], opts())
    assert [r["ok"] for r in results] == [True, True]
    assert health_probe.failures(results) == []


def test_a_503_is_reported_with_its_body(servers):
    address = servers(lambda path, headers: (503, {"status": "unavailable", "failed": ["cache"]}))
    results, _ = health_probe.probe([{"name": "gunicorn", "address": address}], opts(timeout=0.5))
    assert results[0]["status"] == 503
    assert health_probe.failures(results) == [
        'gunicorn /readiness/: HTTP 503 {"status": "unavailable", "failed": ["cache"]}']


def test_a_process_on_the_old_release_does_not_pass(servers):
    address = servers(lambda path, headers: (200, {"release": "r1"}))
    results, _ = health_probe.probe([{"name": "daphne-2", "address": address}], opts(timeout=0.5))
    assert health_probe.failures(results) == ["daphne-2 still serves release r1"]


def test_a_process_that_becomes_ready_passes_before_the_deadline(servers):
    ready_at = time.monotonic() + 0.6
    address = servers(lambda path, headers: (200, {"release": "r2"}) if time.monotonic() > ready_at
                      else (503, {"failed": ["database"]}))
    results, seconds = health_probe.probe([{"name": "gunicorn", "address": address}], opts())
    assert results[0]["ok"] and results[0]["attempts"] > 1
    assert seconds < OPTS["timeout"]


def test_one_deadline_for_all_processes_not_one_each():
    # Eight processes that never answer: checked one after another this would take
    # 8 x timeout; together it ends at the deadline (plus one try).
    endpoints = [{"name": f"daphne-{i}", "address": closed_port()} for i in range(8)]
    results, seconds = health_probe.probe(endpoints, opts(timeout=1.5))
    assert len(health_probe.failures(results)) == 8
    assert all("no answer" in r["detail"] for r in results)
    assert seconds < 1.5 * 2


def test_headers_and_host_are_sent(servers):
    seen = {}

    def answer(path, headers):
        seen.update(path=path, host=headers["Host"], proto=headers.get("X-Forwarded-Proto"))
        return 200, {"release": "r2"}

    address = servers(answer)
    health_probe.probe([{"name": "gunicorn", "address": address}],
                       opts(host="shop.example.com", headers={"X-Forwarded-Proto": "https"}))
    assert seen == {"path": "/readiness/", "host": "shop.example.com", "proto": "https"}


def test_a_unix_socket_endpoint(servers):
    class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "17")
            self.end_headers()
            self.wfile.write(b'{"release": "r2"}')

        def address_string(self):
            return "unix"

        def log_message(self, *args):
            pass

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/gunicorn.sock"
        server = UnixHTTPServer(path, Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            results, _ = health_probe.probe([{"name": "gunicorn", "address": path}], opts())
        finally:
            server.shutdown()
    assert results[0]["ok"], results


class EchoWebsocket(socketserver.BaseRequestHandler):
    """Just enough of RFC 6455 to answer one text frame; echoes unless told otherwise."""
    reply = None

    def handle(self):
        data = b""
        while b"\r\n\r\n" not in data:
            data += self.request.recv(4096)
        request = data.decode()
        if request.startswith("GET /health/"):
            body = b'{"release": "r2"}'
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            return
        self.request.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n")
        head = self.request.recv(2)
        length = head[1] & 0x7F
        mask = self.request.recv(4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.request.recv(length)))
        text = (self.reply or payload.decode()).encode()
        self.request.sendall(struct.pack("!BB", 0x81, len(text)) + text)


@pytest.mark.parametrize("reply, ok", [(None, True), ("something else", False)])
def test_websocket_echo(reply, ok):
    EchoWebsocket.reply = reply
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), EchoWebsocket)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = {"name": "daphne-1", "address": f"127.0.0.1:{server.server_address[1]}", "websocket": True}
        results, _ = health_probe.probe([endpoint], opts(path="/health/", websocket_path="/ws/echo/", timeout=0.5))
    finally:
        server.shutdown()
        server.server_close()
    assert results[0]["ok"] is ok
    if not ok:
        assert results[0]["detail"].startswith("websocket /ws/echo/: sent 'djangoops-health-gate-")


def test_an_address_that_is_neither_socket_nor_host_port():
    results, _ = health_probe.probe([{"name": "gunicorn", "address": "nowhere"}], opts(timeout=0.2))
    assert "neither a unix socket path nor host:port" in results[0]["detail"]
