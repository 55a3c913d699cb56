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
