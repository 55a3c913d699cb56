"""roles/security/files/login_keys.py: the lock-out guard's one read over SSH. sshd -T for
the login user (a stand-in sshd on PATH here), and each AuthorizedKeysFile expanded for
that user (%h, %u, %%, relative paths under the home) with its size, -1 when missing."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "roles/security/files/login_keys.py"
spec = importlib.util.spec_from_file_location("login_keys", SCRIPT)
login_keys = importlib.util.module_from_spec(spec)
spec.loader.exec_module(login_keys)


def test_tokens_expand_as_sshd_does():
    assert login_keys.expand(".ssh/authorized_keys", "deploy", "/home/deploy") == "/home/deploy/.ssh/authorized_keys"
    assert login_keys.expand("/etc/ssh/keys/%u", "deploy", "/home/deploy") == "/etc/ssh/keys/deploy"
    assert login_keys.expand("%h/.ssh/keys", "deploy", "/home/deploy") == "/home/deploy/.ssh/keys"
    # %% is a literal percent sign, never the start of another token.
    assert login_keys.expand("/srv/100%%h", "deploy", "/home/deploy") == "/srv/100%h"


def run(tmp_path, sshd_body, user="deploy"):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    sshd = bin_dir / "sshd"
    sshd.write_text("#!/bin/sh\n" + sshd_body)
    sshd.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    return subprocess.run([sys.executable, str(SCRIPT), user, str(tmp_path / "home")], capture_output=True,
                          text=True, env=env, check=False)


def test_reports_each_key_file_and_its_size(tmp_path):
    (tmp_path / "home/.ssh").mkdir(parents=True)
    (tmp_path / "home/.ssh/authorized_keys").write_text("ssh-ed25519 AAAA test\n")
    (tmp_path / "home/.ssh/empty").write_text("")
    result = run(tmp_path, 'test "$1 $2 $3" = "-T -C user=deploy,host=localhost,addr=127.0.0.1" || exit 9\n'
                           'echo "permitrootlogin prohibit-password"\n'
                           'echo "authorizedkeysfile .ssh/authorized_keys .ssh/empty %h/.ssh/none"\n')
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "permitrootlogin prohibit-password" in report["sshd_t"]
    home = tmp_path / "home"
    assert report["keyfiles"] == [{"path": f"{home}/.ssh/authorized_keys", "size": 22},
                                  {"path": f"{home}/.ssh/empty", "size": 0},
                                  {"path": f"{home}/.ssh/none", "size": -1}]


def test_a_failing_sshd_passes_its_error_and_status(tmp_path):
    result = run(tmp_path, 'echo "/etc/ssh/sshd_config line 3: Bad configuration option: Foo" >&2; exit 255\n')
    assert result.returncode == 255
    assert "Bad configuration option" in result.stderr and result.stdout == ""


def test_no_sshd_is_named(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, str(SCRIPT), "deploy", "/home/deploy"], capture_output=True, text=True,
                            env=env, check=False)
    assert result.returncode == 127 and "sshd is not installed" in result.stderr
