#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Write several files, directories and links in one module call, and read the state of
the systemd units they belong to."""

from __future__ import annotations

DOCUMENTATION = r"""
module: files
short_description: Write several files, directories and links in one call
description:
  - Applies a list of entries in order, each a file with given content, a directory, a
    symbolic link or a path to remove, with owner, group and mode; only what differs is
    changed. What a loop of M(ansible.builtin.template), M(ansible.builtin.copy) and
    M(ansible.builtin.file) tasks does, in one module call instead of one per item (each
    call costs the host a Python start and the import of Ansible's module library, about
    0.4 s on a small VM).
  - A file is written to a temporary file in its directory, given its owner, group and mode,
    checked by I(validate) when given, and renamed over the old one (rename(2) - readers never
    see a half-written file). A link is replaced the same way.
  - Render templates on the controller and pass them as I(content), e.g. with
    C(lookup('ansible.builtin.template', 'unit.j2')).
  - With I(systemd_units), reads their state with one C(systemctl show) after writing; with
    I(daemon_reload), systemd rereads its unit files when an entry under /etc/systemd/
    changed or a unit says it needs it.
  - Check mode reports what would change and changes nothing; diff mode shows file changes.
version_added: "1.2.0"
author: djangoops.deploy maintainers
options:
  entries:
    description: What to apply, in order (a directory before the files in it).
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      state:
        description:
          - C(file) (I(content)), C(directory), C(link) (to I(src)), C(absent), or C(unpacked)
            (a new directory holding the tar archive given base64-encoded in I(archive)).
          - C(unpacked) refuses a path that exists (it makes new release directories, never
            unpacks over one) and a member that would land outside it or is not a regular file,
            directory or link inside it; the members get the entry's owner and group.
        type: str
        choices: [file, directory, link, absent, unpacked]
        default: file
      content:
        description: The file's text.
        type: str
      secret_content:
        description:
          - The text of a file that holds a secret (a password, a key), instead of I(content).
          - Never logged, in no result and in no diff (diff mode reports the path only), while
            the call's other entries stay visible; no C(no_log) on the task is needed for it.
        type: str
      archive:
        description:
          - For C(unpacked), the archive (tar, optionally gzip-compressed), base64-encoded.
          - Never logged (not in the host's journal, where a module's arguments go, nor in
            the task's result).
        type: str
      src:
        description: The target of a link.
        type: str
      owner:
        description: User owning a file or directory (root when not given).
        type: str
      group:
        description: Its group (root when not given).
        type: str
      mode:
        description: Its mode as an octal string, e.g. C("0644").
        type: str
      validate:
        description: A command run on the new file (C(%s) is its temporary path) before it replaces the old one.
        type: str
  stage_root:
    description:
      - A directory every entry lies under, tested as a whole before any entry changes it.
        When an entry would change something, the directory is copied (links kept as links)
        to a temporary directory, the entries are applied to the copy, and I(stage_validate)
        runs there; only when it passes are the entries applied to I(stage_root) itself.
        When it fails, nothing under I(stage_root) was changed and the task fails with the
        command's output in I(stage_output) (the copy's path read as I(stage_root)).
      - For a configuration whose files include each other (nginx, where one file's test
        means nothing without the rest); a single file is checked with an entry's I(validate).
    type: path
  stage_validate:
    description: The command testing the staged copy; C(%s) is the copy's path (it stands for I(stage_root)).
    type: str
  outside_entries:
    description:
      - With I(stage_root), entries that lie outside it (directories the staged configuration
        names, say), applied only when the staged test passed, before I(entries); the same
        suboptions as I(entries). Nothing of them is applied when the test fails.
    type: list
    elements: dict
    default: []
  systemd_units:
    description: Units whose state to read after writing (C(systemctl show) of Id, UnitFileState, ActiveState, NeedDaemonReload).
    type: list
    elements: str
    default: []
  daemon_reload:
    description: Reload systemd's unit files when an entry under /etc/systemd/ changed or one of I(systemd_units) needs it.
    type: bool
    default: false
  globs:
    description:
      - Shell patterns (C(*), C(?), C([...])) whose matching paths, sorted, are in RV(globbed),
        read after writing; e.g. what an earlier run wrote that the entries no longer name.
    type: list
    elements: str
    default: []
  paths:
    description: Paths to look at (C(lstat)) after writing, in RV(paths), as M(djangoops.deploy.host_state) reads them.
    type: list
    elements: path
    default: []
  commands:
    description:
      - Read-only commands to run after writing, by name, as M(djangoops.deploy.host_state)
        runs them (each an argument list, no shell); their C(rc), C(stdout) and C(stderr)
        are in RV(commands).
    type: dict
    default: {}
  packages:
    description:
      - Debian packages to look up with C(dpkg-query) before writing (as
        M(djangoops.deploy.host_state) does); those not installed are in RV(missing_packages).
        For a role whose files do not need its packages, so that one call writes them and
        says what to install.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Write the socket and service units and read their state
  djangoops.deploy.files:
    entries:
      - path: /etc/systemd/system/shop-gunicorn.socket
        content: "{{ lookup('ansible.builtin.template', 'gunicorn.socket.j2') }}"
        mode: "0644"
      - path: /etc/systemd/system/shop-gunicorn.service
        content: "{{ lookup('ansible.builtin.template', 'gunicorn.service.j2') }}"
        mode: "0644"
    systemd_units: [shop-gunicorn.socket, shop-gunicorn.service]
    daemon_reload: true
"""

RETURN = r"""
changed_paths:
  description: The paths that were (or in check mode would be) changed.
  type: list
  elements: str
  returned: always
units_state:
  description: The output of C(systemctl show) for I(systemd_units), read after any reload.
  type: str
  returned: always
daemon_reloaded:
  description: Whether systemd reread its unit files.
  type: bool
  returned: always
links_before:
  description: For each link entry, the target its path pointed to before this call ("" when it was no link).
  type: dict
  returned: always
stage_output:
  description: What I(stage_validate) printed, the copy's path replaced by I(stage_root) ("" when it did not run).
  type: str
  returned: always
globbed:
  description: For each of I(globs), the paths it matches after writing, sorted.
  type: dict
  returned: always
paths:
  description: For each of I(paths), C(exists), C(isdir), C(islink), C(target) (a link's target, "" otherwise), C(size), C(mtime), C(mode), C(owner) and C(group), after writing.
  type: dict
  returned: always
commands:
  description: For each of I(commands), its C(rc), C(stdout) and C(stderr).
  type: dict
  returned: always
missing_packages:
  description: The packages of I(packages), in order, that are not installed.
  type: list
  elements: str
  returned: always
"""

import base64
import binascii
import grp
import io
import os
import pwd
import shutil
import stat
import tarfile
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible_collections.djangoops.deploy.plugins.module_utils.commands import read_runner, run_commands, units_state
from ansible_collections.djangoops.deploy.plugins.module_utils.packages import missing_packages
from ansible_collections.djangoops.deploy.plugins.module_utils.paths import glob_paths, path_state


class EntryError(Exception):
    """An entry that cannot be applied; the message names its path."""


def _ids(entry):
    try:
        uid = pwd.getpwnam(entry.get("owner") or "root").pw_uid
        gid = grp.getgrnam(entry.get("group") or "root").gr_gid
    except KeyError as missing:
        raise EntryError(f"{entry['path']}: no such user or group {missing}") from None
    return uid, gid


def _mode(entry, default):
    mode = entry.get("mode")
    if mode is None:
        return default
    try:
        return int(str(mode), 8)
    except ValueError:
        raise EntryError(f"{entry['path']}: mode {mode!r} is not an octal string such as '0644'") from None


def _fix_meta(path, uid, gid, mode, check):
    """Give an existing path its owner, group and mode; whether they differed."""
    st = os.stat(path)
    if st.st_uid == uid and st.st_gid == gid and stat.S_IMODE(st.st_mode) == mode:
        return False
    if not check:
        os.chown(path, uid, gid)
        os.chmod(path, mode)
    return True


def apply_directory(entry, check):
    path = entry["path"]
    uid, gid = _ids(entry)
    mode = _mode(entry, 0o755)
    if os.path.islink(path) or (os.path.exists(path) and not os.path.isdir(path)):
        raise EntryError(f"{path}: exists and is not a directory")
    if not os.path.isdir(path):
        if not check:
            os.makedirs(path)
            os.chown(path, uid, gid)
            os.chmod(path, mode)
        return True, None
    return _fix_meta(path, uid, gid, mode, check), None


def apply_file(entry, check, run_command, planned=frozenset()):
    """planned: directories an earlier entry would create (check mode)."""
    path = entry["path"]
    secret = entry.get("secret_content") is not None
    if secret and entry.get("content") is not None:
        raise EntryError(f"{path}: give content or secret_content, not both")
    if not secret and entry.get("content") is None:
        raise EntryError(f"{path}: a file entry needs content (or secret_content)")
    content = to_bytes(entry["secret_content"] if secret else entry["content"], errors="surrogate_or_strict")
    uid, gid = _ids(entry)
    mode = _mode(entry, 0o644)
    directory = os.path.dirname(path)
    if not os.path.isdir(directory) and not (check and any(
            directory == p or directory.startswith(p + os.sep) for p in planned)):
        raise EntryError(f"{path}: its directory {directory} does not exist (list it before the file)")
    if os.path.isdir(path) and not os.path.islink(path):
        raise EntryError(f"{path}: is a directory")
    before = None
    if os.path.isfile(path) and not os.path.islink(path):
        with open(path, "rb") as current:
            before = current.read()
        if before == content:
            return _fix_meta(path, uid, gid, mode, check), None
    # A secret's old text is no module argument, so no_log would not hide it: no diff.
    diff = None if secret else {
        "before_header": path if before is not None else "(absent)",
        "after_header": path,
        "before": to_text(before, errors="surrogate_or_replace") if before is not None else "",
        "after": to_text(content, errors="surrogate_or_replace"),
    }
    if check:
        return True, diff
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.")
    try:
        with os.fdopen(handle, "wb") as new:
            new.write(content)
        os.chown(temporary, uid, gid)
        os.chmod(temporary, mode)
        if entry.get("validate"):
            if "%s" not in entry["validate"]:
                raise EntryError(f"{path}: validate must contain %s (the new file's path)")
            rc, out, err = run_command(entry["validate"] % temporary)
            if rc != 0:
                said = "its output is not shown for a secret" if secret else (err or out).strip()
                raise EntryError(f"{path}: the new content failed validation ({entry['validate']}): {said}")
        os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
    return True, diff


def apply_link(entry, check):
    path, src = entry["path"], entry.get("src")
    if not src:
        raise EntryError(f"{path}: a link entry needs src")
    if os.path.islink(path) and os.readlink(path) == src:
        return False, None
    if os.path.isdir(path) and not os.path.islink(path):
        raise EntryError(f"{path}: is a directory, not a link")
    if check:
        return True, None
    directory = os.path.dirname(path)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.link")
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(src, temporary)
    os.replace(temporary, path)
    return True, None


def apply_absent(entry, check):
    path = entry["path"]
    if not os.path.lexists(path):
        return False, None
    if not check:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    return True, None


def _safe_members(archive, path):
    """The archive's members, each checked to land inside path (as tarfile's "data"
    filter does, which Debian 12's Python 3.11.2 lacks)."""
    root = os.path.realpath(path)
    members = []
    for member in archive.getmembers():
        target = os.path.realpath(os.path.join(root, member.name))
        if os.path.commonpath([root, target]) != root:
            raise EntryError(f"{path}: the archive's member {member.name!r} would land outside it")
        if member.islnk() or member.issym():
            base = root if member.islnk() else os.path.dirname(target)
            if os.path.isabs(member.linkname) or os.path.commonpath(
                    [root, os.path.realpath(os.path.join(base, member.linkname))]) != root:
                raise EntryError(f"{path}: the archive's link {member.name!r} points outside it ({member.linkname})")
        elif not (member.isfile() or member.isdir()):
            raise EntryError(f"{path}: the archive's member {member.name!r} is not a file, directory or link")
        member.mode &= 0o755  # no setuid, setgid or sticky bits, no group or other write
        members.append(member)
    return members


def apply_unpacked(entry, check):
    path = entry["path"]
    if os.path.lexists(path):
        raise EntryError(f"{path}: exists; an archive is unpacked into a new directory only")
    try:
        data = base64.b64decode(entry.get("archive") or "", validate=True)
    except (binascii.Error, ValueError):
        raise EntryError(f"{path}: archive is not base64") from None
    uid, gid = _ids(entry)
    mode = _mode(entry, 0o755)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            members = _safe_members(archive, path)
            if check:
                return True, None
            os.makedirs(path)
            try:
                archive.extractall(path, members=members, numeric_owner=True)
                for directory, dirs, names in os.walk(path):
                    for name in [*dirs, *names]:
                        os.lchown(os.path.join(directory, name), uid, gid)
                os.chown(path, uid, gid)
                os.chmod(path, mode)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
    except tarfile.TarError as error:
        raise EntryError(f"{path}: archive is not a tar archive ({error})") from None
    return True, None


def apply_entries(entries, check, run_command, links_before=None):
    """Apply entries in order; return (changed paths, diffs). Stops at the first error.
    links_before (a dict), when given, gets each link entry's target before the change."""
    changed, diffs, planned = [], [], set()
    for entry in entries:
        if not os.path.isabs(entry["path"]):
            raise EntryError(f"{entry['path']}: the path must be absolute")
        state = entry.get("state") or "file"
        if state == "link" and links_before is not None:
            links_before[entry["path"]] = os.readlink(entry["path"]) if os.path.islink(entry["path"]) else ""
        if state == "directory":
            did, diff = apply_directory(entry, check)
        elif state == "file":
            did, diff = apply_file(entry, check, run_command, planned)
        elif state == "link":
            did, diff = apply_link(entry, check)
        elif state == "unpacked":
            did, diff = apply_unpacked(entry, check)
        else:
            did, diff = apply_absent(entry, check)
        # Check mode: a directory an entry would make, for the entries in it.
        if did and check and state in ("directory", "unpacked"):
            planned.add(os.path.normpath(entry["path"]))
        if did:
            changed.append(entry["path"])
        if diff:
            diffs.append(diff)
    return changed, diffs


def _under(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class StageRefused(Exception):
    """The staged copy failed its test; args: (message, the test's output)."""


def apply_staged(entries, root, validate, check, run_command, links_before=None, outside_entries=()):
    """apply_entries for entries that all lie under root, tested as a whole first: when
    anything would change, they are applied to a copy of root and validate runs there
    (%s: the copy). Raises StageRefused, with root untouched, when it fails.
    outside_entries (none under root) are applied after the test passed, before entries.
    Returns (changed paths, diffs, the test's output)."""
    root = os.path.normpath(root)
    outside = [entry["path"] for entry in entries if not _under(os.path.normpath(entry["path"]), root)]
    if outside:
        raise EntryError(f"{', '.join(outside)}: not under stage_root {root} (list it in outside_entries)")
    inside = [entry["path"] for entry in outside_entries if _under(os.path.normpath(entry["path"]), root)]
    if inside:
        raise EntryError(f"{', '.join(inside)}: under stage_root {root}, not outside it (list it in entries)")
    if "%s" not in validate:
        raise EntryError(f"{root}: stage_validate must contain %s (the staged copy's path)")
    output = ""
    differs, _diffs = apply_entries(entries, True, run_command)
    if differs and not check:
        if not os.path.isdir(root):
            raise EntryError(f"{root}: stage_root is not a directory")
        workdir = tempfile.mkdtemp(prefix="djangoops-stage.")
        staged = os.path.join(workdir, os.path.basename(root) or "root")
        try:
            shutil.copytree(root, staged, symlinks=True)
            apply_entries([dict(entry, path=staged + os.path.normpath(entry["path"])[len(root):]) for entry in entries],
                          False, run_command)
            rc, out, err = run_command(validate % staged)
            output = "\n".join(part.strip() for part in (err, out) if part.strip()).replace(staged, root)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if rc != 0:
            raise StageRefused(f"{root}: the staged copy failed {validate!r}; nothing under {root} was changed: {output}",
                               output)
    changed, diffs = apply_entries(list(outside_entries), check, run_command, links_before)
    changed_inside, diffs_inside = apply_entries(entries, check, run_command, links_before)
    return changed + changed_inside, diffs + diffs_inside, output


class FilesModule(AnsibleModule):
    def _log_invocation(self):
        """Ansible masks a no_log value in the journal only where it appears verbatim in the
        logged text; a list of entries is logged as its repr, which escapes a multi-line
        secret's newlines. The entries are logged with each secret replaced instead."""
        saved = {name: self.params.get(name) or [] for name in ("entries", "outside_entries")}
        for name, entries in saved.items():
            self.params[name] = [dict(entry, secret_content="NOT_LOGGING_PARAMETER")
                                 if entry.get("secret_content") is not None else entry for entry in entries]
        try:
            super()._log_invocation()
        finally:
            self.params.update(saved)


def main():
    entry_options = {
        "path": {"type": "path", "required": True},
        "state": {"type": "str", "choices": ["file", "directory", "link", "absent", "unpacked"], "default": "file"},
        "content": {"type": "str"},
        "secret_content": {"type": "str", "no_log": True},
        # no_log: a release's archive is up to megabytes of base64, and
        # Ansible would write every argument into the host's journal.
        "archive": {"type": "str", "no_log": True},
        "src": {"type": "str"},
        "owner": {"type": "str"},
        "group": {"type": "str"},
        "mode": {"type": "str"},
        "validate": {"type": "str"},
    }
    module = FilesModule(
        argument_spec={
            "entries": {"type": "list", "elements": "dict", "required": True, "options": entry_options},
            "outside_entries": {"type": "list", "elements": "dict", "default": [], "options": entry_options},
            "stage_root": {"type": "path"},
            "stage_validate": {"type": "str"},
            "systemd_units": {"type": "list", "elements": "str", "default": []},
            "daemon_reload": {"type": "bool", "default": False},
            "globs": {"type": "list", "elements": "str", "default": []},
            "packages": {"type": "list", "elements": "str", "default": []},
            "paths": {"type": "list", "elements": "path", "default": []},
            "commands": {"type": "dict", "default": {}},
        },
        required_together=[["stage_root", "stage_validate"]],
        supports_check_mode=True,
    )
    params = module.params
    if params["outside_entries"] and not params["stage_root"]:
        module.fail_json(msg="outside_entries: only with stage_root (list the paths in entries otherwise)")
    links_before = {}
    stage_output = ""
    read = read_runner(module)
    try:
        missing = missing_packages(params["packages"], read)
        if params["stage_root"]:
            changed, diffs, stage_output = apply_staged(params["entries"], params["stage_root"], params["stage_validate"],
                                                        module.check_mode, module.run_command, links_before,
                                                        params["outside_entries"])
        else:
            changed, diffs = apply_entries(params["entries"], module.check_mode, module.run_command, links_before)
    except StageRefused as refused:
        module.fail_json(msg=refused.args[0], changed_paths=[], stage_output=refused.args[1])
    except (EntryError, OSError) as error:
        module.fail_json(msg=str(error))

    reloaded = False
    try:
        state = units_state(params["systemd_units"], read)
        if params["daemon_reload"] and not module.check_mode and (
            any(path.startswith("/etc/systemd/") for path in changed) or "NeedDaemonReload=yes" in state
        ):
            rc, out, err = module.run_command(["systemctl", "daemon-reload"])
            if rc != 0:
                module.fail_json(msg=f"systemctl daemon-reload failed: {err.strip()}", changed_paths=changed)
            reloaded = True
            state = units_state(params["systemd_units"], read)
        commands = run_commands(params["commands"], read)
    except (ValueError, OSError, RuntimeError) as error:
        module.fail_json(msg=str(error), changed_paths=changed)
    result = {"changed": bool(changed) or reloaded, "commands": commands, "changed_paths": changed, "units_state": state,
              "daemon_reloaded": reloaded, "links_before": links_before, "stage_output": stage_output,
              "globbed": glob_paths(params["globs"]), "missing_packages": missing,
              "paths": {path: path_state(path) for path in params["paths"]}}
    if module._diff and diffs:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
