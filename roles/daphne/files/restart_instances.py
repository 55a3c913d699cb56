"""Restart an app's Daphne instances one at a time; argv[1] is a JSON spec
(tasks/apply.yml). Drained instances have their socket stopped first: new
connects are refused, and nginx tries another instance, while the process
finishes; restarting the service starts the socket again. An instance that
must wait answers its health path (any HTTP status) before the next one goes.
Prints what each took as JSON; on failure, names the instance on stderr."""
import http.client
import json
import socket
import subprocess
import sys
import time

SPEC = json.loads(sys.argv[1])


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def status_of(instance):
    if instance.get("socket"):
        conn = UnixHTTPConnection(instance["socket"], SPEC["request_timeout"])
    else:
        conn = http.client.HTTPConnection(instance["host"], instance["port"], timeout=SPEC["request_timeout"])
    try:
        conn.request("GET", SPEC["path"], headers=SPEC["headers"])
        return conn.getresponse().status
    finally:
        conn.close()


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


report = []
for instance in SPEC["instances"]:
    started = time.monotonic()
    for argv in instance["commands"]:
        run = subprocess.run(argv, capture_output=True, text=True, check=False)
        if run.returncode != 0:
            fail(f"{' '.join(argv)} failed (rc {run.returncode}): {(run.stderr or run.stdout).strip()}")
    entry = {"instance": instance["name"], "restart_s": round(time.monotonic() - started, 2)}
    if instance["wait"]:
        deadline = time.monotonic() + SPEC["wait_seconds"]
        while True:
            try:
                entry["status"] = status_of(instance)
                break
            except (OSError, http.client.HTTPException) as error:
                if time.monotonic() >= deadline:
                    fail(f"{instance['name']} did not answer {SPEC['path']} within {SPEC['wait_seconds']} s "
                         f"of its restart: {error}")
                time.sleep(SPEC["interval"])
        entry["answered_s"] = round(time.monotonic() - started, 2)
    report.append(entry)
print(json.dumps(report))
