"""The same code, production settings, real servers: gunicorn for HTTP, daphne for
WebSockets. PostgreSQL and Redis are closed local ports, so every dependency
check fails for real (connection refused), with nothing mocked.

Static files are collected first with the manifest storage, as a deploy does.
"""

import http.client
import json
import os
import re
import signal
import subprocess
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from .conftest import (
    APP_DIR,
    DB_PASSWORD,
    REDIS_PASSWORD,
    clean_environ,
    free_port,
    manage,
    production_environ,
    venv_bin,
)

SECRETS = (DB_PASSWORD, REDIS_PASSWORD)


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    root = tmp_path_factory.mktemp("prod")
    return clean_environ(**production_environ(root))


@pytest.fixture(scope="module")
def collected(prod):
    result = manage("collectstatic", "--noinput", environ=prod)
    assert result.returncode == 0, result.stderr
    return result


def serve(args, environ, port):
    process = subprocess.Popen(
        args,
        cwd=APP_DIR,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            status, _, _ = request(port, "/health/")
            if status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{args[0]} did not start:\n{process.stdout.read()}")
        time.sleep(0.2)


def stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return process.stdout.read()


def request(port, path, headers=None, method="GET"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request(method, path, headers={"Host": "localhost", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def access_log(tmp_path_factory):
    return tmp_path_factory.mktemp("logs") / "access.log"


@pytest.fixture(scope="module")
def gunicorn(prod, collected, access_log):
    port = free_port()
    environ = {
        **prod,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESSLOG": str(access_log),
    }
    process = serve([venv_bin("gunicorn")], environ, port)
    yield port
    stop(process)


@pytest.fixture(scope="module")
def daphne(prod, collected):
    port = free_port()
    # The core layer: its consumers (the origin denier too) need Redis only to
    # use the layer, and this server's Redis is a closed port. The pub/sub
    # default subscribes each consumer's channel at connect; it runs against a
    # real Redis in the Molecule scenarios.
    process = serve(
        [venv_bin("daphne"), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        {**prod, "CHANNEL_LAYER_BACKEND": "core"},
        port,
    )
    yield port
    stop(process)


# --- collectstatic --------------------------------------------------------------


def test_collectstatic_writes_a_manifest_with_hashed_compressed_files(prod, collected):
    root = prod["DJANGO_STATIC_ROOT"]
    with open(os.path.join(root, "staticfiles.json")) as fh:
        manifest = json.load(fh)["paths"]
    for name in ("css/site.css", "js/site.js", "js/realtime.js", "admin/css/base.css"):
        hashed = manifest[name]
        assert hashed != name and hashed.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1]
        for suffix in ("", ".gz"):
            assert os.path.isfile(os.path.join(root, hashed + suffix)), hashed + suffix


# --- gunicorn (WSGI) ------------------------------------------------------------


def test_liveness_over_plain_http_is_not_redirected(gunicorn):
    status, headers, body = request(gunicorn, "/health/")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "release": None}
    assert "no-store" in headers["Cache-Control"]


@pytest.mark.parametrize(
    ("path", "failed"),
    [
        ("/health/db/", ["database"]),
        ("/health/redis/", ["cache", "channel_layer"]),
        ("/readiness/", ["database", "cache", "channel_layer"]),
    ],
)
def test_unreachable_dependencies_give_503_naming_them(gunicorn, path, failed):
    status, headers, body = request(gunicorn, path)
    assert status == 503
    report = json.loads(body)
    assert report["status"] == "error"
    assert report["failed"] == failed
    assert "no-store" in headers["Cache-Control"]
    text = body.decode()
    for leak in (*SECRETS, "Traceback", "refused", "127.0.0.1", "psycopg2"):
        assert leak not in text


def test_access_log_records_forwarded_client_and_request_time(gunicorn, access_log):
    request(gunicorn, "/health/?probe=access-log", {"X-Forwarded-For": "203.0.113.9"})
    deadline = time.monotonic() + 5
    while "probe=access-log" not in access_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    line = next(line for line in access_log.read_text().splitlines() if "probe=access-log" in line)
    assert line.startswith("203.0.113.9 127.0.0.1 ")
    assert '"GET /health/?probe=access-log HTTP/1.1" 200 ' in line
    assert re.search(r" \d+ms$", line), line


def test_other_pages_redirect_to_https(gunicorn):
    status, headers, _ = request(gunicorn, "/posts/")
    assert status == 301
    assert headers["Location"] == "https://localhost/posts/"


def test_https_responses_carry_hsts(gunicorn):
    _, headers, _ = request(gunicorn, "/health/", HTTPS)
    assert headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_database_down_gives_the_custom_500_page(gunicorn):
    status, _, body = request(gunicorn, "/", HTTPS)
    assert status == 500
    text = body.decode()
    assert "Server error" in text
    for leak in (*SECRETS, "Traceback", "OperationalError"):
        assert leak not in text


def test_custom_404_with_hashed_static_references(gunicorn, prod):
    status, _, body = request(gunicorn, "/no-such-page/", HTTPS)
    assert status == 404
    text = body.decode()
    assert "Page not found" in text
    with open(os.path.join(prod["DJANGO_STATIC_ROOT"], "staticfiles.json")) as fh:
        hashed_css = json.load(fh)["paths"]["css/site.css"]
    assert f'href="/static/{hashed_css}"' in text


def test_whitenoise_serves_compressed_immutable_static_files(gunicorn, prod):
    with open(os.path.join(prod["DJANGO_STATIC_ROOT"], "staticfiles.json")) as fh:
        hashed_css = json.load(fh)["paths"]["css/site.css"]
    status, headers, body = request(
        gunicorn, f"/static/{hashed_css}", {**HTTPS, "Accept-Encoding": "br, gzip"}
    )
    assert status == 200
    # gzip: the app installs no brotli, so collectstatic writes no .br copies.
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert int(headers["Content-Length"]) == len(body) > 0


def test_disallowed_host_is_refused(gunicorn):
    status, _, body = request(gunicorn, "/health/db/", {"Host": "evil.example"})
    assert status == 400
    assert b"Bad request" in body


# --- daphne (ASGI) -------------------------------------------------------------


def test_daphne_serves_http_too(daphne):
    status, _, body = request(daphne, "/health/")
    assert (status, json.loads(body)) == (200, {"status": "ok", "release": None})


def test_daphne_echoes_websocket_text(daphne):
    with ws_connect(
        f"ws://localhost:{daphne}/ws/echo/",
        origin="http://localhost",
        open_timeout=10,
    ) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "hello"


def test_daphne_refuses_foreign_origins(daphne):
    with pytest.raises(InvalidStatus) as excinfo:
        with ws_connect(
            f"ws://localhost:{daphne}/ws/echo/",
            origin="https://evil.example",
            open_timeout=10,
        ):
            pass
    assert excinfo.value.response.status_code == 403
