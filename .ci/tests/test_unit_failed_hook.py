"""The unit failure notifier (roles/unit_alerts/files/unit-failed.py) against a local webhook."""
import importlib.util
import json
import pathlib
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "roles/unit_alerts/files/unit-failed.py"
spec = importlib.util.spec_from_file_location("unit_failed", SCRIPT)
unit_failed = importlib.util.module_from_spec(spec)
spec.loader.exec_module(unit_failed)


def test_posts_the_unit_its_result_and_journal_with_the_headers(tmp_path, monkeypatch):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append((dict(self.headers), json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.handle_request, daemon=True).start()
    settings = tmp_path / "unit-alerts.json"
    settings.write_text(json.dumps({"url": f"http://127.0.0.1:{server.server_port}/hook",
                                    "headers": {"Authorization": "Bearer s3cret"}, "journal_lines": 2}))
    monkeypatch.setattr(unit_failed, "SETTINGS", str(settings))

    def fake_run(argv, **kwargs):
        out = ("Result=exit-code\nExecMainStatus=1\nNRestarts=0\n" if argv[0] == "systemctl"
               else "x" * 600 + "\npg_dump: error: connection failed\n")
        return subprocess.CompletedProcess(argv, 0, out, "")

    monkeypatch.setattr(unit_failed.subprocess, "run", fake_run)
    unit_failed.main("django-backup.service")
    headers, body = received[0]
    assert headers["Authorization"] == "Bearer s3cret"
    assert body["event"] == "unit_failed" and body["unit"] == "django-backup.service"
    assert body["result"] == "exit-code" and body["exit_status"] == "1"
    assert [len(line) for line in body["journal"]] == [500, len("pg_dump: error: connection failed")]
