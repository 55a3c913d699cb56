"""django_app's source_local tasks: each run packs the project into its own archive.

Two runs from one controller (staging and production at once, or a test and a
benchmark) used to share ~/.cache/djangoops-deploy/<app>/source.tar.gz, so one
could unpack the other's project into its release.
"""

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Pack the project as a deploy does
      ansible.builtin.include_role:
        name: {role}
        tasks_from: source_local
    - name: Report the archive
      ansible.builtin.copy:
        content: "{{{{ {{'path': __django_app_packing.path, 'id': __django_app_source_id}} | to_json }}}}"
        dest: "{{{{ report }}}}"
        mode: "0600"
"""


def pack(tmp_path, project, marker):
    project.mkdir(parents=True, exist_ok=True)
    (project / "manage.py").write_text("# a project\n")
    (project / "MARKER").write_text(marker)
    playbook = tmp_path / "pack.yml"
    playbook.write_text(PLAYBOOK.format(role=ROOT / "roles" / "django_app"))
    report = tmp_path / f"report-{marker.replace(' ', '-')}-{os.urandom(4).hex()}.json"
    env = dict(os.environ, HOME=str(tmp_path / "home"), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="default")
    return subprocess.Popen(
        ["ansible-playbook", "-i", "localhost,", str(playbook),
         "-e", json.dumps({"django_app_name": "packtest", "django_app_local_path": str(project),
                           "ansible_python_interpreter": sys.executable, "report": str(report)})],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True), report


def result(started):
    proc, report = started
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    return json.loads(report.read_text())


def marker_in(archive):
    with tarfile.open(archive) as tar:
        return tar.extractfile("./MARKER").read().decode()


def test_runs_one_after_another_keep_their_own_archive(tmp_path):
    first = result(pack(tmp_path, tmp_path / "a", "release A"))
    second = result(pack(tmp_path, tmp_path / "b", "release B"))
    assert first["path"] != second["path"]
    # The first run's archive still holds its own project, under its own id.
    assert marker_in(first["path"]) == "release A"
    assert hashlib.sha256(Path(first["path"]).read_bytes()).hexdigest()[:12] == first["id"]
    assert marker_in(second["path"]) == "release B"


def test_concurrent_runs_do_not_mix(tmp_path):
    procs = {m: pack(tmp_path, tmp_path / m, f"release {m}") for m in ("c", "d")}
    for m, proc in procs.items():
        got = result(proc)
        assert marker_in(got["path"]) == f"release {m}"
        assert hashlib.sha256(Path(got["path"]).read_bytes()).hexdigest()[:12] == got["id"]


def test_same_files_give_the_same_release_id(tmp_path):
    first = result(pack(tmp_path, tmp_path / "e", "same"))
    again = result(pack(tmp_path, tmp_path / "e", "same"))
    assert first["id"] == again["id"]
    assert first["path"] != again["path"]


def test_packing_files_of_runs_older_than_a_day_are_removed(tmp_path):
    """pack_source.py clears other runs' files only once they are a day old."""
    cache, project = tmp_path / "cache", tmp_path / "project"
    cache.mkdir()
    project.mkdir()
    (project / "manage.py").write_text("# a project\n")
    old, recent = cache / "packing-old.tar.gz", cache / "packing-recent.tar.gz"
    old.write_bytes(b"old")
    recent.write_bytes(b"recent")
    day_ago = os.stat(old).st_mtime - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    script = ROOT / "roles" / "django_app" / "files" / "pack_source.py"
    out = subprocess.run([sys.executable, str(script), str(cache), str(project), "--exclude=.git"],
                         check=True, capture_output=True, text=True).stdout
    packed = json.loads(out)
    assert not old.exists() and recent.exists()
    assert packed["sha256"] == hashlib.sha256(Path(packed["path"]).read_bytes()).hexdigest()


def test_an_archive_within_the_inline_limit_is_also_printed_base64(tmp_path):
    """What the files module unpacks (state unpacked) is the archive itself; over the
    limit (or with 0) only its path is printed and unarchive copies it."""
    import base64

    project = tmp_path / "project"
    project.mkdir()
    (project / "manage.py").write_text("# a project\n")
    script = ROOT / "roles" / "django_app" / "files" / "pack_source.py"

    def packed(limit):
        out = subprocess.run([sys.executable, str(script), str(tmp_path / "cache"), str(project),
                              f"--inline-max={limit}", "--exclude=.git"], check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    small = packed(1 << 20)
    assert base64.b64decode(small["inline"]) == Path(small["path"]).read_bytes()
    assert small["size"] == Path(small["path"]).stat().st_size
    assert "inline" not in packed(0)
    assert "inline" not in packed(small["size"] - 1) and "inline" in packed(small["size"])


ACTION_PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Pack with the action
      djangoops.deploy.pack_source:
        cache: "{{ cache }}"
        project: "{{ project }}"
        excludes: [.git, "*.pyc"]
      register: packed
    - name: Report it
      ansible.builtin.copy:
        content: "{{ packed.packed | to_json }}"
        dest: "{{ report }}"
        mode: "0600"
"""


def run_action(tmp_path, project):
    playbook = tmp_path / "action.yml"
    playbook.write_text(ACTION_PLAYBOOK)
    report = tmp_path / f"action-{os.urandom(4).hex()}.json"
    env = dict(os.environ, HOME=str(tmp_path / "home"), ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="default")
    proc = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", str(playbook),
         "-e", json.dumps({"cache": str(tmp_path / "cache"), "project": str(project), "report": str(report),
                           "ansible_python_interpreter": sys.executable})],
        env=env, capture_output=True, text=True, timeout=300)
    return proc, report


def test_the_action_packs_what_the_script_packs(tmp_path):
    """djangoops.deploy.pack_source runs pack_source.py in the worker: the same archive
    (same checksum, so the same release id), the same excludes."""
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (project / "manage.py").write_text("# a project\n")
    (project / "stale.pyc").write_bytes(b"\0")
    proc, report = run_action(tmp_path, project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    by_action = json.loads(report.read_text())
    script = ROOT / "roles" / "django_app" / "files" / "pack_source.py"
    by_script = json.loads(subprocess.run(
        [sys.executable, str(script), str(tmp_path / "cache"), str(project), "--exclude=.git", "--exclude=*.pyc"],
        check=True, capture_output=True, text=True).stdout)
    assert by_action["sha256"] == by_script["sha256"]
    assert by_action["asks"] == by_script["asks"]
    with tarfile.open(by_action["path"]) as tar:
        names = tar.getnames()
    assert "./manage.py" in names
    assert not [name for name in names if name.startswith("./.git") or name.endswith(".pyc")]


def test_the_action_names_a_project_that_is_not_there(tmp_path):
    proc, _ = run_action(tmp_path, tmp_path / "no-such-project")
    assert proc.returncode != 0
    assert f"project: {tmp_path / 'no-such-project'} is not a directory on the controller" in proc.stdout
    assert not list(tmp_path.glob("cache/packing-*"))
