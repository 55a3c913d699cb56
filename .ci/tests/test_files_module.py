"""djangoops.deploy.files applies many files, directories and links in one module call:
only what differs changes, a file is replaced whole or not at all, a failed validation
leaves the old file, and check mode changes nothing."""
import grp
import importlib.util
import os
import pathlib
import pwd
import stat

import pytest

spec = importlib.util.spec_from_file_location(
    "files_module", pathlib.Path(__file__).parents[2] / "plugins/modules/files.py"
)
files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(files)

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


def run(command):
    """module.run_command's contract, enough for validate: (rc, stdout, stderr)."""
    import shlex
    import subprocess

    done = subprocess.run(shlex.split(command), capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def apply(entries, check=False):
    for entry in entries:
        entry.setdefault("owner", USER)
        entry.setdefault("group", GROUP)
    return files.apply_entries(entries, check, run)


def test_writes_then_changes_nothing_on_the_second_run(tmp_path):
    entries = lambda: [  # noqa: E731
        {"path": str(tmp_path / "etc"), "state": "directory", "mode": "0750"},
        {"path": str(tmp_path / "etc" / "a.conf"), "content": "a = 1\n", "mode": "0640"},
        {"path": str(tmp_path / "current"), "state": "link", "src": "releases/one"},
    ]
    changed, diffs = apply(entries())
    assert changed == [str(tmp_path / "etc"), str(tmp_path / "etc" / "a.conf"), str(tmp_path / "current")]
    assert (tmp_path / "etc" / "a.conf").read_text() == "a = 1\n"
    assert stat.S_IMODE((tmp_path / "etc" / "a.conf").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "etc").stat().st_mode) == 0o750
    assert os.readlink(tmp_path / "current") == "releases/one"
    assert diffs[0]["before_header"] == "(absent)" and diffs[0]["after"] == "a = 1\n"
    assert apply(entries()) == ([], [])


def test_only_what_differs_changes(tmp_path):
    conf, unit = tmp_path / "a.conf", tmp_path / "b.service"
    apply([{"path": str(conf), "content": "a\n"}, {"path": str(unit), "content": "b\n"}])
    inode = unit.stat().st_ino
    changed, diffs = apply([{"path": str(conf), "content": "a2\n"}, {"path": str(unit), "content": "b\n"}])
    assert changed == [str(conf)]
    assert [d["before"] for d in diffs] == ["a\n"]
    assert unit.stat().st_ino == inode  # untouched, not rewritten
    changed, _ = apply([{"path": str(unit), "content": "b\n", "mode": "0600"}])
    assert changed == [str(unit)] and stat.S_IMODE(unit.stat().st_mode) == 0o600


def test_a_file_is_replaced_by_rename(tmp_path):
    """A reader holding the old file keeps its old content: the new one is a new inode."""
    conf = tmp_path / "a.conf"
    apply([{"path": str(conf), "content": "old\n"}])
    with open(conf) as held:
        apply([{"path": str(conf), "content": "new\n"}])
        assert held.read() == "old\n"
    assert conf.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.conf"]  # no temporary file left


def test_failed_validation_keeps_the_old_file(tmp_path):
    conf = tmp_path / "a.conf"
    apply([{"path": str(conf), "content": "good\n"}])
    with pytest.raises(files.EntryError, match="a.conf: the new content failed validation .*bad content"):
        apply([{"path": str(conf), "content": "bad\n",
                "validate": "sh -c 'grep -q good \"$1\" || { echo bad content >&2; exit 1; }' sh %s"}])
    assert conf.read_text() == "good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.conf"]
    changed, _ = apply([{"path": str(conf), "content": "good too\n", "validate": "grep -q good %s"}])
    assert changed == [str(conf)]


def test_link_replaced_atomically_and_absent_removes(tmp_path):
    link = tmp_path / "current"
    apply([{"path": str(link), "state": "link", "src": "releases/one"}])
    changed, _ = apply([{"path": str(link), "state": "link", "src": "releases/two"}])
    assert changed == [str(link)] and os.readlink(link) == "releases/two"
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "f").write_text("x")
    changed, _ = apply([{"path": str(tmp_path / "old"), "state": "absent"},
                        {"path": str(tmp_path / "never"), "state": "absent"}])
    assert changed == [str(tmp_path / "old")] and not (tmp_path / "old").exists()


def test_link_entries_report_what_they_pointed_to_before(tmp_path):
    link, before = tmp_path / "current", {}
    entries = [{"path": str(link), "state": "link", "src": "releases/one", "owner": USER, "group": GROUP}]
    files.apply_entries(entries, False, run, before)
    assert before == {str(link): ""}
    entries[0]["src"] = "releases/two"
    files.apply_entries(entries, False, run, before)
    assert before == {str(link): "releases/one"} and os.readlink(link) == "releases/two"


def test_check_mode_changes_nothing(tmp_path):
    conf = tmp_path / "a.conf"
    apply([{"path": str(conf), "content": "a\n"}])
    changed, diffs = apply([{"path": str(tmp_path / "d"), "state": "directory"},
                            {"path": str(conf), "content": "b\n"},
                            {"path": str(tmp_path / "l"), "state": "link", "src": "x"}], check=True)
    assert len(changed) == 3 and diffs[0]["after"] == "b\n"
    assert conf.read_text() == "a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.conf"]


def test_check_mode_reports_a_file_in_a_directory_an_earlier_entry_would_create(tmp_path):
    changed, diffs = apply([{"path": str(tmp_path / "new"), "state": "directory"},
                            {"path": str(tmp_path / "new" / "a.conf"), "content": "a\n"}], check=True)
    assert changed == [str(tmp_path / "new"), str(tmp_path / "new" / "a.conf")]
    assert diffs[0]["before_header"] == "(absent)" and diffs[0]["after"] == "a\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("entry, message", [
    ({"path": "relative/a.conf", "content": "x"}, "the path must be absolute"),
    ({"path": "{tmp}/missing/a.conf", "content": "x"}, "its directory .*/missing does not exist"),
    ({"path": "{tmp}/a.conf"}, "a file entry needs content"),
    ({"path": "{tmp}/a.conf", "content": "x", "mode": "rw-r--r--"}, "is not an octal string"),
    ({"path": "{tmp}/a.conf", "content": "x", "owner": "djangoops-no-such-user"}, "no such user or group"),
    ({"path": "{tmp}/l", "state": "link"}, "a link entry needs src"),
])
def test_bad_entries_are_named(tmp_path, entry, message):
    entry = {**entry, "path": entry["path"].format(tmp=tmp_path)}
    with pytest.raises(files.EntryError, match=message):
        apply([entry])
    assert list(tmp_path.iterdir()) == []


def archive_b64(members):
    """A gzip tar of (name, kind, data-or-target) members, base64-encoded."""
    import base64
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, kind, value in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size, info.mode = len(value), 0o4777
                tar.addfile(info, io.BytesIO(value))
            elif kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o777
                tar.addfile(info)
            elif kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, value
                tar.addfile(info)
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
                tar.addfile(info)
    return base64.b64encode(buffer.getvalue()).decode()


def test_unpacks_an_archive_into_a_new_directory_then_links_into_it(tmp_path):
    release = tmp_path / "releases" / "r1"
    (tmp_path / "releases").mkdir()
    content = archive_b64([("./pkg", "dir", None), ("./pkg/app.py", "file", b"print(1)\n"),
                           ("./manage.py", "file", b"# manage\n"), ("./pkg/alias.py", "symlink", "app.py")])
    changed, _ = apply([{"path": str(release), "state": "unpacked", "archive": content, "mode": "0750"},
                        {"path": str(release / ".env"), "state": "link", "src": "/srv/shared/.env"}])
    assert changed == [str(release), str(release / ".env")]
    assert (release / "pkg" / "app.py").read_text() == "print(1)\n"
    assert os.readlink(release / "pkg" / "alias.py") == "app.py"
    assert stat.S_IMODE(release.stat().st_mode) == 0o750
    # setuid and group/other write are dropped from members
    assert stat.S_IMODE((release / "pkg" / "app.py").stat().st_mode) == 0o755
    assert stat.S_IMODE((release / "pkg").stat().st_mode) == 0o755


def test_unpacked_refuses_an_existing_path_and_changes_nothing(tmp_path):
    release = tmp_path / "r1"
    release.mkdir()
    (release / "keep").write_text("live\n")
    with pytest.raises(files.EntryError, match="exists; an archive is unpacked into a new directory only"):
        apply([{"path": str(release), "state": "unpacked", "archive": archive_b64([("./a", "file", b"a")])}])
    assert sorted(os.listdir(release)) == ["keep"]


@pytest.mark.parametrize("members, message", [
    ([("../escape.py", "file", b"x")], "would land outside it"),
    ([("./up", "symlink", "../../etc/passwd")], "points outside it"),
    ([("./abs", "symlink", "/etc/passwd")], "points outside it"),
    ([("./pipe", "fifo", None)], "is not a file, directory or link"),
])
def test_unpacked_refuses_members_outside_the_directory_before_writing(tmp_path, members, message):
    release = tmp_path / "r1"
    with pytest.raises(files.EntryError, match=message):
        apply([{"path": str(release), "state": "unpacked", "archive": archive_b64([("./ok", "file", b"ok")] + members)}])
    assert not release.exists()


def test_unpacked_refuses_what_is_not_a_base64_tar(tmp_path):
    with pytest.raises(files.EntryError, match="not base64"):
        apply([{"path": str(tmp_path / "a"), "state": "unpacked", "archive": "not base64!"}])
    with pytest.raises(files.EntryError, match="not a tar archive"):
        apply([{"path": str(tmp_path / "b"), "state": "unpacked", "archive": "aGVsbG8="}])
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_unpacked_in_check_mode_plans_the_directory_and_writes_nothing(tmp_path):
    release = tmp_path / "r1"
    changed, _ = apply([{"path": str(release), "state": "unpacked", "archive": archive_b64([("./a", "file", b"a")])},
                        {"path": str(release / "src" / "REVISION"), "content": "r1\n"}], check=True)
    assert changed == [str(release), str(release / "src" / "REVISION")]
    assert not release.exists()


# stage_root / stage_validate: a tree whose files include each other is tested as a
# whole in a copy before any of them changes (nginx -t -c <copy>/nginx.conf). The test
# command here: every "include NAME;" line must name a file that exists in the copy.
CHECK_INCLUDES = (
    "sh -c 'cd %s && for f in $(sed -n \"s/^include \\(.*\\);/\\1/p\" main.conf); do "
    "test -e \"$f\" || { echo \"$PWD/main.conf: no such include $f\" >&2; exit 1; }; done'"
)


def tree(root):
    """Every path under root with its content, link target or mode: a byte-level snapshot."""
    snapshot = {}
    for directory, dirs, names in os.walk(root):
        for name in dirs + names:
            path = os.path.join(directory, name)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                snapshot[path] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                snapshot[path] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                snapshot[path] = ("file", pathlib.Path(path).read_bytes(), stat.S_IMODE(st.st_mode), st.st_ino)
    return snapshot


def staged(root, entries, check=False):
    for entry in entries:
        entry.setdefault("owner", USER)
        entry.setdefault("group", GROUP)
    return files.apply_staged(entries, str(root), CHECK_INCLUDES, check, run)


@pytest.fixture()
def conf_tree(tmp_path):
    root = tmp_path / "conf"
    (root / "sites").mkdir(parents=True)
    (root / "main.conf").write_text("include sites/a.conf;\n")
    (root / "sites/a.conf").write_text("a\n")
    (root / "enabled").symlink_to("sites")
    return root


def test_staged_entries_that_pass_are_written(conf_tree):
    changed, _diffs, output = staged(conf_tree, [
        {"path": str(conf_tree / "sites/b.conf"), "content": "b\n"},
        {"path": str(conf_tree / "main.conf"), "content": "include sites/a.conf;\ninclude sites/b.conf;\n"},
    ])
    assert changed == [str(conf_tree / "sites/b.conf"), str(conf_tree / "main.conf")]
    assert (conf_tree / "sites/b.conf").read_text() == "b\n"
    assert output == ""
    # Nothing differs: compared only, no copy tested.
    assert staged(conf_tree, [{"path": str(conf_tree / "sites/b.conf"), "content": "b\n"}])[0] == []


def test_a_staged_tree_that_fails_changes_nothing_and_names_the_live_path(conf_tree):
    before = tree(conf_tree)
    with pytest.raises(files.StageRefused) as refused:
        staged(conf_tree, [
            {"path": str(conf_tree / "sites/a.conf"), "content": "a2\n"},
            {"path": str(conf_tree / "main.conf"), "content": "include sites/a.conf;\ninclude sites/missing.conf;\n"},
        ])
    message, output = refused.value.args
    assert output == f"{conf_tree}/main.conf: no such include sites/missing.conf"
    assert "nothing under" in message and "djangoops-stage." not in message
    assert tree(conf_tree) == before


def test_staged_check_mode_reports_and_writes_nothing(conf_tree):
    before = tree(conf_tree)
    changed, _diffs, _output = staged(conf_tree, [{"path": str(conf_tree / "main.conf"), "content": "include nowhere;\n"}],
                                      check=True)
    assert changed == [str(conf_tree / "main.conf")]
    assert tree(conf_tree) == before


def test_staged_entries_must_lie_under_the_root(conf_tree, tmp_path):
    with pytest.raises(files.EntryError, match="not under stage_root .* outside_entries"):
        staged(conf_tree, [{"path": str(tmp_path / "elsewhere.conf"), "content": "x\n"}])
    with pytest.raises(files.EntryError, match="not under stage_root"):
        staged(conf_tree, [{"path": str(conf_tree) + "-sibling/x.conf", "content": "x\n"}])
    with pytest.raises(files.EntryError, match="under stage_root .*, not outside it"):
        files.apply_staged([], str(conf_tree), CHECK_INCLUDES, False, run,
                           outside_entries=[{"path": str(conf_tree / "sites"), "state": "directory"}])


def outside(tmp_path):
    return [{"path": str(tmp_path / "acme"), "state": "directory", "owner": USER, "group": GROUP, "mode": "0755"},
            {"path": str(tmp_path / "maintenance"), "state": "directory", "owner": USER, "group": GROUP, "mode": "0755"}]


def test_outside_entries_are_applied_once_the_staged_tree_passes(conf_tree, tmp_path):
    """The directories the configuration names (nginx's ACME and maintenance roots) in
    the call that writes it: applied after the test passed, before the staged entries."""
    changed, _diffs, _output = files.apply_staged(
        [{"path": str(conf_tree / "sites/a.conf"), "content": "a2\n", "owner": USER, "group": GROUP}],
        str(conf_tree), CHECK_INCLUDES, False, run, outside_entries=outside(tmp_path))
    assert changed == [str(tmp_path / "acme"), str(tmp_path / "maintenance"), str(conf_tree / "sites/a.conf")]
    assert (tmp_path / "acme").is_dir() and (conf_tree / "sites/a.conf").read_text() == "a2\n"
    # Only an outside entry differs: nothing to test, the directory is made.
    (tmp_path / "acme").rmdir()
    changed, _diffs, output = files.apply_staged([], str(conf_tree), CHECK_INCLUDES, False, run,
                                                 outside_entries=outside(tmp_path))
    assert changed == [str(tmp_path / "acme")] and output == ""


def test_outside_entries_are_not_applied_when_the_staged_tree_fails(conf_tree, tmp_path):
    before = tree(conf_tree)
    with pytest.raises(files.StageRefused):
        files.apply_staged(
            [{"path": str(conf_tree / "main.conf"), "content": "include sites/missing.conf;\n", "owner": USER, "group": GROUP}],
            str(conf_tree), CHECK_INCLUDES, False, run, outside_entries=outside(tmp_path))
    assert tree(conf_tree) == before
    assert not (tmp_path / "acme").exists() and not (tmp_path / "maintenance").exists()


def test_an_archive_is_never_logged_nor_echoed(tmp_path, monkeypatch, capsys):
    """Ansible writes a module's arguments into the host's journal ("Invoked with ...")
    and echoes them in the result; a release's archive (megabytes of base64) is in neither."""
    import json

    from ansible.module_utils import basic

    archive = archive_b64([("./app.py", "file", b"SECRET_SOURCE = 1\n")])
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": {
        "entries": [{"path": str(tmp_path / "release"), "state": "unpacked", "archive": archive,
                     "owner": USER, "group": GROUP},
                    {"path": str(tmp_path / "REVISION"), "content": "r1\n", "owner": USER, "group": GROUP}],
        "_ansible_keep_remote_files": False}}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    with pytest.raises(SystemExit):
        files.main()
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] and (tmp_path / "release/app.py").read_bytes() == b"SECRET_SOURCE = 1\n"
    assert logged and all(archive not in message for message in logged)
    assert "r1" in logged[0]  # the other arguments are logged as before
    assert archive not in json.dumps(result)


def test_globs_are_read_after_writing(tmp_path, monkeypatch, capsys):
    """What a role wrote in an earlier run and no longer names (a Daphne instance beyond
    the count) is found by the call that writes the rest: globbed lists the paths
    after this call's entries were applied, sorted."""
    import json

    from ansible.module_utils import basic

    (tmp_path / "app-daphne@3.socket.d").mkdir()
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": {
        "entries": [{"path": str(tmp_path / "app-daphne@2.socket.d"), "state": "directory", "owner": USER, "group": GROUP},
                    {"path": str(tmp_path / "app-daphne@1.socket.d"), "state": "directory", "owner": USER, "group": GROUP}],
        "globs": [str(tmp_path / "app-daphne@*.socket.d"), str(tmp_path / "nothing-*")]}}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    with pytest.raises(SystemExit):
        files.main()
    result = json.loads(capsys.readouterr().out)
    assert result["globbed"] == {
        str(tmp_path / "app-daphne@*.socket.d"): [str(tmp_path / f"app-daphne@{n}.socket.d") for n in (1, 2, 3)],
        str(tmp_path / "nothing-*"): [],
    }


def run_files(monkeypatch, capsys, args, diff=False):
    import json

    from ansible.module_utils import basic

    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_diff=diff)}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    with pytest.raises(SystemExit):
        files.main()
    return json.loads(capsys.readouterr().out), logged


def test_a_secret_is_written_but_never_logged_shown_or_diffed(tmp_path, monkeypatch, capsys):
    """secret_content: one call writes a password file beside plain files, and neither the
    new secret nor the old one is in the journal, the result or diff mode's output, while
    the plain file's diff is shown as before."""
    import json

    secret, plain = tmp_path / "users.acl", tmp_path / "redis.conf"
    secret.write_text("user app on >old-password-1234 ~* +@all\n")
    plain.write_text("port 6379\n")
    result, logged = run_files(monkeypatch, capsys, {"entries": [
        {"path": str(secret), "secret_content": "user app on >new-password-5678 ~* +@all\n",
         "owner": USER, "group": GROUP, "mode": "0640"},
        {"path": str(plain), "content": "port 6380\n", "owner": USER, "group": GROUP},
        {"path": str(tmp_path / "env"), "secret_content": "KEY=s3cr3t-abc\nOTHER=1\n", "owner": USER, "group": GROUP}]},
        diff=True)
    assert secret.read_text() == "user app on >new-password-5678 ~* +@all\n"
    assert oct(secret.stat().st_mode & 0o777) == "0o640"
    assert result["changed"] and sorted(result["changed_paths"]) == sorted([str(secret), str(plain), str(tmp_path / "env")])
    shown = json.dumps(result) + "\n".join(logged)
    assert "new-password-5678" not in shown and "old-password-1234" not in shown and "s3cr3t-abc" not in shown
    assert "NOT_LOGGING_PARAMETER" in logged[0]
    assert [d["after"] for d in result["diff"]] == ["port 6380\n"]
    assert logged and "port 6380" in logged[0]


def test_a_secret_that_fails_validation_is_not_echoed(tmp_path, monkeypatch, capsys):
    result, logged = run_files(monkeypatch, capsys, {"entries": [
        {"path": str(tmp_path / "users.acl"), "secret_content": "hunter2-secret\n", "owner": USER, "group": GROUP,
         "validate": "cat %s /nonexistent"}]})
    assert result["failed"]
    assert "failed validation (cat %s /nonexistent): its output is not shown for a secret" in result["msg"]
    assert not (tmp_path / "users.acl").exists()
    assert "hunter2-secret" not in str(result) + "\n".join(logged)


def test_content_and_secret_content_are_one_or_the_other(tmp_path):
    with pytest.raises(files.EntryError, match="content or secret_content, not both"):
        files.apply_file({"path": str(tmp_path / "x"), "content": "a", "secret_content": "b"}, False, None)
    with pytest.raises(files.EntryError, match="needs content"):
        files.apply_file({"path": str(tmp_path / "x")}, False, None)


def test_packages_are_looked_up_before_writing(tmp_path, monkeypatch, capsys):
    """A role whose files do not need its packages (the backup script, say) writes them and
    learns what to install in one call."""
    calls = []

    def run_command(self, argv, **kwargs):
        calls.append(argv)
        assert not (tmp_path / "script").exists()  # looked up before the entries are applied
        return 0, "postgresql-client un\ntar ii\n", ""

    from ansible.module_utils import basic

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    result, _logged = run_files(monkeypatch, capsys, {
        "entries": [{"path": str(tmp_path / "script"), "content": "#!/bin/sh\n", "owner": USER, "group": GROUP}],
        "packages": ["postgresql-client", "tar"]})
    assert result["missing_packages"] == ["postgresql-client"]
    assert calls and calls[0][0] == "dpkg-query" and (tmp_path / "script").exists()
    result, _logged = run_files(monkeypatch, capsys, {"entries": []})
    assert result["missing_packages"] == [] and len(calls) == 1


def test_paths_and_commands_are_read_after_writing(tmp_path, monkeypatch, capsys):
    """One call for a role that writes its files and reads the rest of its state (the
    common role: the account, locales and apt's stamps)."""
    written = tmp_path / "locale"
    (tmp_path / "current").symlink_to("releases/r1")
    result, _logged = run_files(monkeypatch, capsys, {
        "entries": [{"path": str(written), "content": "LANG=C.UTF-8\n", "owner": USER, "group": GROUP}],
        "paths": [str(written), str(tmp_path / "current"), str(tmp_path / "none")],
        "commands": {"cat": ["cat", str(written)], "missing": ["djangoops-no-such-command"]}})
    assert result["commands"]["cat"] == {"rc": 0, "stdout": "LANG=C.UTF-8\n", "stderr": ""}
    assert result["commands"]["missing"]["rc"] == 127
    assert result["paths"][str(written)]["exists"] and result["paths"][str(written)]["mode"] == "0644"
    assert result["paths"][str(tmp_path / "current")]["target"] == "releases/r1"
    assert result["paths"][str(tmp_path / "none")]["exists"] is False
