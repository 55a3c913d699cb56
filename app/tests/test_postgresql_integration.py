"""Against a real, throwaway PostgreSQL cluster when the server binaries are
installed (skipped otherwise: the rest of the suite needs no server).

Rehearses the SQLite -> PostgreSQL data migration the collection automates:
seed on SQLite, dump, load into PostgreSQL, and verify_data proves nothing was
lost, because its digests do not depend on the backend.
"""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from urllib.parse import quote

import pytest

from .conftest import clean_environ, free_port, manage, production_environ


def _bindir():
    """A directory with the server binaries: Debian's newest, else initdb's on PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("initdb"):
        candidates.append(os.path.dirname(os.path.realpath(shutil.which("initdb"))))
    for directory in candidates:
        if all(
            os.access(os.path.join(directory, b), os.X_OK)
            for b in ("initdb", "postgres", "pg_isready")
        ):
            return directory
    return None


BINDIR = _bindir()
AS_ROOT = os.geteuid() == 0


def _usable():
    if BINDIR is None:
        return False
    if AS_ROOT:  # initdb refuses root: run the cluster as the postgres user
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True


pytestmark = pytest.mark.skipif(not _usable(), reason="PostgreSQL server binaries not usable")

PASSWORD = "pg:p@ss/w%rd"


# Run initdb and postgres as the postgres user when we are root (no wrapper
# process: the server's pid is the one we signal).
AS_OWNER = {"user": "postgres", "group": "postgres", "extra_groups": []} if AS_ROOT else {}


@pytest.fixture(scope="module")
def postgres():
    bindir = BINDIR
    # Not under pytest's tmp dir: the postgres user must be able to reach it.
    workdir = tempfile.mkdtemp(prefix="djangoops-pg-")
    os.chmod(workdir, 0o755)
    data, pwfile, port = os.path.join(workdir, "data"), os.path.join(workdir, "pw"), free_port()
    with open(pwfile, "w") as fh:
        fh.write(PASSWORD + "\n")
    if AS_ROOT:
        shutil.chown(workdir, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    subprocess.run(
        [
            os.path.join(bindir, "initdb"),
            "-D",
            data,
            "-U",
            "app",
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
        cwd=workdir,
        **AS_OWNER,
    )
    server = subprocess.Popen(
        [
            os.path.join(bindir, "postgres"),
            "-D",
            data,
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={workdir}",
            "-c",
            "fsync=off",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=workdir,
        **AS_OWNER,
    )
    try:
        deadline = time.monotonic() + 30
        while (
            subprocess.run(
                [os.path.join(bindir, "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                capture_output=True,
            ).returncode
            != 0
        ):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("PostgreSQL did not start")
            time.sleep(0.2)
        yield f"postgres://app:{quote(PASSWORD, safe='')}@127.0.0.1:{port}/postgres"
    finally:
        server.send_signal(signal.SIGINT)  # fast shutdown: no need to wait for clients
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def ok(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_sqlite_to_postgresql_migration_keeps_every_row(postgres, tmp_path):
    base = production_environ(tmp_path)
    sqlite = clean_environ(**{**base, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    pg = clean_environ(**{**base, "DATABASE_URL": postgres})
    before, dump = tmp_path / "before.json", tmp_path / "blog.xml"

    ok(manage("migrate", "--noinput", environ=sqlite))
    ok(
        manage(
            "seed_demo_data", "--rows", "1000", "--seed", "5", "--attachments", "2", environ=sqlite
        )
    )
    before.write_text(ok(manage("verify_data", environ=sqlite)).stdout)
    # XML keeps microseconds; Django's JSON serializer would round them to milliseconds.
    ok(manage("dumpdata", "blog", "--format", "xml", "--output", str(dump), environ=sqlite))

    ok(manage("migrate", "--noinput", environ=pg))
    ok(manage("loaddata", str(dump), environ=pg))
    result = ok(manage("verify_data", "--expect", str(before), environ=pg))
    assert "Data matches" in result.stderr

    # loaddata reset the id sequences: new rows do not collide with loaded ones.
    ok(manage("seed_demo_data", "--rows", "50", environ=pg))
    result = manage("verify_data", "--expect", str(before), environ=pg)
    assert result.returncode == 1
    assert "models blog.post: count 200 -> 210" in result.stderr


def test_database_health_check_passes_on_postgresql(postgres, tmp_path):
    environ = clean_environ(**production_environ(tmp_path, DATABASE_URL=postgres))
    code = (
        "import json; from core import health; "
        "print(json.dumps(health.run_checks(['database'])[1]))"
    )
    result = ok(manage("shell", "-c", code, environ=environ))
    assert result.stdout.strip().endswith('{"status": "ok", "checks": {"database": true}}')
    assert PASSWORD not in result.stdout + result.stderr
