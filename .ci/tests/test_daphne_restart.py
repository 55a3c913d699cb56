"""roles/daphne/files/restart_instances.py restarts an app's Daphne instances one at a
time in one module call: each drained (socket stopped) and restarted, and each that
must wait answers its health path before the next goes; a failure names the instance."""
import http.server
import json
import os
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "roles/daphne/files/restart_instances.py"


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class Handler(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        Handler.seen.append((self.path, self.headers.get("Host"), self.headers.get("X-Probe")))
        self.send_response(503)  # any status counts as up; readiness is the gate's call
        self.end_headers()

    def log_message(self, *args):
        pass

    def address_string(self):
        return "unix"


def serve(path):
    server = UnixHTTPServer(str(path), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def fake_systemctl(tmp_path, fail_on=""):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "systemctl.log"
    script = bin_dir / "systemctl"
    script.write_text(f"#!/bin/sh\necho \"$*\" >> {log}\n"
                      f"case \"$*\" in *'{fail_on or '@@none@@'}'*) echo 'Job failed' >&2; exit 1;; esac\n")
    script.chmod(0o755)
    return bin_dir, log


def run(tmp_path, instances, bin_dir, wait_seconds=1):
    spec = {"path": "/readiness/", "headers": {"Host": "localhost", "X-Probe": "yes"}, "request_timeout": 2,
            "wait_seconds": wait_seconds, "interval": 0.05, "instances": instances}
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-c", SCRIPT.read_text(), json.dumps(spec)],
                          capture_output=True, text=True, env=env, timeout=30)


def instance(tmp_path, n, wait=True, drain=True):
    name = f"shop-daphne@{n}"
    return {"name": f"{name}.service", "wait": wait, "socket": str(tmp_path / f"daphne-{n}.sock"), "host": "", "port": 0,
            "commands": ([["systemctl", "stop", f"{name}.socket"]] if drain else []) + [["systemctl", "restart", f"{name}.service"]]}


def test_restarts_each_in_turn_and_waits_for_an_answer_before_the_next(tmp_path):
    bin_dir, log = fake_systemctl(tmp_path)
    server = serve(tmp_path / "daphne-1.sock")
    Handler.seen.clear()
    try:
        done = run(tmp_path, [instance(tmp_path, 1), instance(tmp_path, 2, wait=False)], bin_dir)
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines() == ["stop shop-daphne@1.socket", "restart shop-daphne@1.service",
                                            "stop shop-daphne@2.socket", "restart shop-daphne@2.service"]
    report = json.loads(done.stdout)
    assert [r["instance"] for r in report] == ["shop-daphne@1.service", "shop-daphne@2.service"]
    assert report[0]["status"] == 503 and "status" not in report[1]
    assert Handler.seen == [("/readiness/", "localhost", "yes")]


def test_an_instance_that_never_answers_stops_the_run_naming_it(tmp_path):
    bin_dir, log = fake_systemctl(tmp_path)
    done = run(tmp_path, [instance(tmp_path, 1), instance(tmp_path, 2)], bin_dir, wait_seconds=0.5)
    assert done.returncode == 1
    assert "shop-daphne@1.service did not answer /readiness/ within 0.5 s of its restart" in done.stderr
    # the next instance was not touched
    assert "shop-daphne@2" not in log.read_text()


def test_a_failed_systemctl_stops_the_run_naming_the_command(tmp_path):
    bin_dir, log = fake_systemctl(tmp_path, fail_on="restart shop-daphne@1.service")
    done = run(tmp_path, [instance(tmp_path, 1, drain=False), instance(tmp_path, 2)], bin_dir)
    assert done.returncode == 1
    assert "systemctl restart shop-daphne@1.service failed (rc 1): Job failed" in done.stderr
    assert "shop-daphne@2" not in log.read_text()
