"""Against a real, throwaway redis-server when one is installed (skipped otherwise:
the rest of the suite needs no server). Proves the REDIS_URL forms the deploy
uses, credentials included, and that /ws/notifications/ messages cross daphne
processes through the Redis channel layer."""

import contextlib
import json
import shutil
import subprocess
import time

import pytest
from websockets.sync.client import connect as ws_connect

from .conftest import clean_environ, free_port, manage, production_environ, venv_bin
from .test_live_servers import request, serve, stop

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")

USER, PASSWORD = "app", "r3dis,pass;word"  # "," and ";" must survive
QUOTED = "r3dis%2Cpass%3Bword"


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("redis")
    port, sock = free_port(), workdir / "redis.sock"
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--requirepass",
            PASSWORD,
            "--user",
            USER,
            "on",
            f">{PASSWORD}",
            "~*",
            "&*",
            "+@all",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not sock.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail("redis-server did not start")
        time.sleep(0.05)
    yield {"port": port, "socket": sock}
    process.terminate()
    process.wait(timeout=10)


def redis_checks(tmp_path, url):
    environ = clean_environ(**production_environ(tmp_path, REDIS_URL=url))
    code = (
        "import json; from core import health; "
        "print(json.dumps(health.run_checks(['cache', 'channel_layer'])[1]))"
    )
    result = manage("shell", "-c", code, environ=environ)
    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "form",
    ["tcp-user-password", "tcp-default-user", "unix-userinfo", "unix-query-password"],
)
def test_every_redis_url_form_reaches_redis(redis, tmp_path, form):
    url = {
        "tcp-user-password": f"redis://{USER}:{QUOTED}@127.0.0.1:{redis['port']}/1",
        "tcp-default-user": f"redis://:{QUOTED}@127.0.0.1:{redis['port']}/2",
        "unix-userinfo": f"unix://{USER}:{QUOTED}@{redis['socket']}?db=3",
        "unix-query-password": f"unix://{redis['socket']}?db=4&password={QUOTED}",
    }[form]
    assert redis_checks(tmp_path, url) == {
        "status": "ok",
        "checks": {"cache": True, "channel_layer": True},
    }


def test_wrong_password_fails_the_checks(redis, tmp_path):
    url = f"redis://{USER}:wrong@127.0.0.1:{redis['port']}/0"
    report = redis_checks(tmp_path, url)
    assert report["failed"] == ["cache", "channel_layer"]


def test_notifications_cross_daphne_processes(redis, tmp_path):
    url = f"redis://{USER}:{QUOTED}@127.0.0.1:{redis['port']}/5"
    environ = clean_environ(**production_environ(tmp_path, REDIS_URL=url))
    ports = [free_port(), free_port()]
    servers = [
        serve(
            [venv_bin("daphne"), "-b", "127.0.0.1", "-p", str(p), "config.asgi:application"],
            environ,
            p,
        )
        for p in ports
    ]
    try:
        with contextlib.ExitStack() as stack:
            sockets = [
                stack.enter_context(
                    ws_connect(
                        f"ws://localhost:{p}/ws/notifications/",
                        origin="http://localhost",
                        open_timeout=10,
                    )
                )
                for p in ports
            ]
            time.sleep(0.3)  # both group_add calls reach Redis
            sockets[0].send("across processes")
            assert [ws.recv(timeout=10) for ws in sockets] == ["across processes"] * 2

            result = manage("broadcast", "from manage.py", environ=environ)
            assert result.returncode == 0, result.stderr
            assert [ws.recv(timeout=10) for ws in sockets] == ["from manage.py"] * 2
        # The HTTP side of the same process sees Redis as healthy.
        status, _, body = request(ports[1], "/health/redis/")
        assert status == 200, body
    finally:
        for server in servers:
            stop(server)
