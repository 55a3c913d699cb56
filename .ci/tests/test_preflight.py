""".ci/lib/preflight.sh: setup stops with one line saying what it needs, before it installs anything."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PREFLIGHT = ROOT / ".ci" / "lib" / "preflight.sh"
BASH = shutil.which("bash")
RUN = f'. {PREFLIGHT} && djangoops_preflight && echo "ok sudo=[$sudo]"'


def os_release(tmp_path, text):
    path = tmp_path / "os-release"
    path.write_text(text)
    return str(path)


def preflight(env=None, user=None, path=None):
    environ = dict(os.environ, **(env or {}))
    if path is not None:
        environ["PATH"] = path
    argv = [BASH, "-c", RUN]
    if user is not None:
        argv = [shutil.which("setpriv"), f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    return subprocess.run(argv, env=environ, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)


@pytest.fixture
def public_dir():
    """A directory another user can read (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="djangoops-preflight-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def one_line(result):
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result
    assert len(lines) == 1, lines
    return lines[0]


def test_debian_as_root_passes(tmp_path):
    result = preflight({"DJANGOOPS_OS_RELEASE": os_release(tmp_path, 'ID=debian\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok sudo=[]"


def test_a_debian_derivative_passes(tmp_path):
    result = preflight({"DJANGOOPS_OS_RELEASE": os_release(tmp_path, "ID=ubuntu\nID_LIKE=debian\n")})
    assert result.returncode == 0, result.stderr


def test_another_system_is_refused_by_name(tmp_path):
    line = one_line(preflight({"DJANGOOPS_OS_RELEASE": os_release(
        tmp_path, 'ID=fedora\nPRETTY_NAME="Fedora Linux 41 (Server Edition)"\n')}))
    assert line == ("setup: needs Debian 12 or 13 (apt-get, debootstrap, podman from Debian); "
                    "this system is Fedora Linux 41 (Server Edition)")


def test_a_system_without_os_release_is_refused(tmp_path):
    line = one_line(preflight({"DJANGOOPS_OS_RELEASE": str(tmp_path / "missing")}))
    assert line.startswith("setup: needs Debian 12 or 13") and "unknown" in line


def test_without_apt_get_it_says_so(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(shutil.which("id"), bin_dir / "id")
    line = one_line(preflight({"DJANGOOPS_OS_RELEASE": os_release(tmp_path, "ID=debian\n")}, path=str(bin_dir)))
    assert line == "setup: needs apt-get (Debian 12 or 13); it is not on PATH"


@pytest.mark.skipif(os.geteuid() != 0, reason="switches to another user")
def test_not_root_and_no_sudo_says_what_it_needs(public_dir):
    bin_dir = public_dir / "bin"
    bin_dir.mkdir()
    for tool in ("id", "apt-get"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    release = os_release(public_dir, "ID=debian\n")
    os.chmod(release, 0o644)
    line = one_line(preflight({"DJANGOOPS_OS_RELEASE": release}, user=65534, path=str(bin_dir)))
    assert line.startswith("setup: needs root to install packages and run podman: run it as root, or install sudo")


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("sudo"), reason="needs root and sudo to switch to a user without sudo rights")
def test_not_root_and_no_sudo_rights_says_what_it_needs(public_dir):
    release = os_release(public_dir, "ID=debian\n")
    os.chmod(release, 0o644)
    line = one_line(preflight({"DJANGOOPS_OS_RELEASE": release}, user=65534))
    assert line.startswith("setup: needs root: ") and "cannot use sudo here" in line
