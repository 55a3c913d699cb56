"""Error tracking (core/errors.py): an exception in a view reaches a Sentry-protocol
receiver (a local HTTP server here, recording the envelopes the SDK sends) with the
release and environment, and no secret of the process's environment in it."""

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from core import errors
from core.release import read_release

SECRET_KEY = "django-insecure-" + "k" * 40
DB_PASSWORD = "db-pa55word-for-tests"
TOKEN = "t0ken-for-the-error-check"


def test_secret_values_are_the_secret_names_and_url_passwords():
    found = errors.secret_values({
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": f"postgres://app:{DB_PASSWORD}@db:5432/app",
        "REDIS_URL": "redis://:r%2Fedis-pass-word@cache:6379/0",
        "TASKS_API_TOKEN": TOKEN,
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "SHORT_TOKEN": "1",
    })
    assert set(found) == {SECRET_KEY, DB_PASSWORD, "r%2Fedis-pass-word", "r/edis-pass-word", TOKEN}
    assert found == sorted(found, key=len, reverse=True)


def test_the_secrets_of_the_dotenv_file_count_too(tmp_path, monkeypatch):
    """On a server the settings read the env file (python-decouple), not os.environ."""
    from decouple import RepositoryEnv

    from config import env as config_env

    dotenv = tmp_path / ".env"
    dotenv.write_text(f"TASKS_API_TOKEN={TOKEN}\nDATABASE_URL=postgres://app:{DB_PASSWORD}@db/app\n")
    monkeypatch.setattr(config_env.env, "repository", RepositoryEnv(str(dotenv)))
    monkeypatch.delenv("TASKS_API_TOKEN", raising=False)
    assert {TOKEN, DB_PASSWORD} <= set(errors.secret_values())


def test_the_scrubber_replaces_a_secret_wherever_it_is():
    event = {"message": f"failed with {TOKEN}", "frames": [{"vars": {"expected": f"'{TOKEN}'", "n": 3}}],
             "request": {"headers": {"X-Key": DB_PASSWORD}}}
    scrubbed = errors.scrubber([TOKEN, DB_PASSWORD])(event, {})
    assert TOKEN not in json.dumps(scrubbed) and DB_PASSWORD not in json.dumps(scrubbed)
    assert scrubbed["frames"][0]["vars"] == {"expected": "'[Filtered]'", "n": 3}


def test_read_release_takes_the_first_line_of_revision(tmp_path):
    assert read_release(tmp_path) is None
    (tmp_path / "REVISION").write_text("20261203120000-abc123\nlocal:/src sha256:...\n")
    assert read_release(tmp_path) == "20261203120000-abc123"


@pytest.fixture
def receiver():
    """A Sentry-protocol endpoint on loopback: the decoded items of each envelope."""
    items = []

    class Envelope(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            lines = body.split(b"\n")
            items.extend(json.loads(line) for line in lines[1:] if line.startswith(b"{"))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Envelope)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://public@127.0.0.1:{server.server_address[1]}/1", items
    server.shutdown()


@pytest.mark.django_db
def test_an_exception_in_a_view_reaches_the_tracker_with_release_and_environment(client, settings, monkeypatch, receiver):
    dsn, items = receiver
    monkeypatch.setenv("DJANGO_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("DATABASE_URL", f"postgres://app:{DB_PASSWORD}@db:5432/app")
    monkeypatch.setenv("TASKS_API_TOKEN", TOKEN)
    settings.TASKS_API_TOKEN = TOKEN
    errors.init(dsn, "staging", "20261203120000-abc123")
    try:
        client.raise_request_exception = False
        assert client.post("/ops/error/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 500
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.get_client().close()
    events = [item for item in items if item.get("exception")]
    assert len(events) == 1
    event = events[0]
    assert event["release"] == "20261203120000-abc123" and event["environment"] == "staging"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert "raised on purpose" in event["exception"]["values"][-1]["value"]
    text = json.dumps(items)
    for secret in (SECRET_KEY, DB_PASSWORD, TOKEN):
        assert secret not in text


@pytest.mark.django_db
def test_the_error_check_needs_the_token(client, settings):
    settings.TASKS_API_TOKEN = TOKEN
    assert client.post("/ops/error/").status_code == 403
    assert client.get("/ops/error/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
    settings.TASKS_API_TOKEN = ""
    assert client.post("/ops/error/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404
