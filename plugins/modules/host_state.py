#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Read what a role needs to know about a host in one module call: missing packages,
paths, small files, the output of read-only commands and the state of systemd units."""

from __future__ import annotations

DOCUMENTATION = r"""
module: host_state
short_description: Read packages, paths, files, commands and units in one call
description:
  - Reads, and never changes, what a role compares its wanted state with before it acts,
    in one module call instead of one per question (each call costs the host a Python
    start and the import of Ansible's module library, about 0.4 s on a small VM).
  - Lets a role run M(ansible.builtin.apt), M(ansible.builtin.systemd_service) or a
    reload only for what differs, and skip them on a run that changes nothing.
version_added: "1.3.0"
author: djangoops.deploy maintainers
options:
  packages:
    description:
      - Debian packages to look up with C(dpkg-query). Those not installed are in
        RV(missing_packages); so is a name with a version or a pattern (C(=), C(*),
        C(<), C(>)), which only the package manager can judge.
    type: list
    elements: str
    default: []
  paths:
    description: Paths to look at (C(lstat)), in RV(paths).
    type: list
    elements: path
    default: []
  globs:
    description: Shell patterns (C(*), C(?), C([...])) whose matching paths, sorted, are in RV(globbed).
    type: list
    elements: str
    default: []
  read:
    description: Text files to read whole (at most 1 MiB each), in RV(contents).
    type: list
    elements: path
    default: []
  read_dirs:
    description:
      - Directories whose regular files (not those in subdirectories) to read whole, in
        RV(dir_contents); I(pattern) (a regular expression searched in each name) chooses them.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The directory.
        type: path
        required: true
      pattern:
        description: Read only the files whose name matches.
        type: str
        default: ""
  commands:
    description:
      - Read-only commands to run, by name; each an argument list run without a shell.
        Their C(rc), C(stdout) and C(stderr) are in RV(commands); a command that is not
        installed has C(rc) 127.
    type: dict
    default: {}
  systemd_units:
    description: Units whose state to read with one C(systemctl show) (Id, UnitFileState, ActiveState, NeedDaemonReload).
    type: list
    elements: str
    default: []
notes:
  - Supports check mode (it never changes anything).
"""

EXAMPLES = r"""
- name: Read the host's state
  djangoops.deploy.host_state:
    packages: [ufw, fail2ban]
    paths: [/var/log/nginx/error.log]
    read: [/etc/login.defs]
    commands:
      sysctl: [sysctl, --all]
    systemd_units: [fail2ban.service]
  register: state
"""

RETURN = r"""
missing_packages:
  description: The packages of I(packages), in order, that are not installed.
  type: list
  elements: str
  returned: always
paths:
  description: For each of I(paths), C(exists), C(isdir), C(islink), C(target) (a link's target, "" otherwise), C(size), C(mtime), C(mode), C(owner) and C(group).
  type: dict
  returned: always
globbed:
  description: For each of I(globs), the paths it matches, sorted.
  type: dict
  returned: always
contents:
  description: For each of I(read), its text, or null when it does not exist.
  type: dict
  returned: always
dir_contents:
  description: For each of I(read_dirs), its files' names and texts ({} when it does not exist).
  type: dict
  returned: always
commands:
  description: For each of I(commands), its C(rc), C(stdout) and C(stderr).
  type: dict
  returned: always
units_state:
  description: The output of C(systemctl show) for I(systemd_units) ("" without units).
  type: str
  returned: always
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.djangoops.deploy.plugins.module_utils.commands import read_runner, run_commands, units_state
from ansible_collections.djangoops.deploy.plugins.module_utils.packages import missing_packages
from ansible_collections.djangoops.deploy.plugins.module_utils.paths import glob_paths, path_state

MAX_READ = 1024 * 1024


def read_text(path):
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_READ + 1)
    except FileNotFoundError:
        return None
    if len(data) > MAX_READ:
        raise ValueError(f"{path} is larger than {MAX_READ} bytes; host_state reads small files only")
    return data.decode("utf-8", errors="replace")


def read_dir(path, pattern=""):
    try:
        names = sorted(os.listdir(path))
    except FileNotFoundError:
        return {}
    regexp = re.compile(pattern or "")
    return {name: read_text(os.path.join(path, name)) for name in names
            if regexp.search(name) and os.path.isfile(os.path.join(path, name))}


def main():
    module = AnsibleModule(
        argument_spec={
            "packages": {"type": "list", "elements": "str", "default": []},
            "paths": {"type": "list", "elements": "path", "default": []},
            "globs": {"type": "list", "elements": "str", "default": []},
            "read": {"type": "list", "elements": "path", "default": []},
            "read_dirs": {"type": "list", "elements": "dict", "default": [],
                          "options": {"path": {"type": "path", "required": True}, "pattern": {"type": "str", "default": ""}}},
            "commands": {"type": "dict", "default": {}},
            "systemd_units": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=True,
    )
    params = module.params

    run = read_runner(module)
    try:
        result = {
            "changed": False,
            "missing_packages": missing_packages(params["packages"], run),
            "paths": {path: path_state(path) for path in params["paths"]},
            "globbed": glob_paths(params["globs"]),
            "contents": {path: read_text(path) for path in params["read"]},
            "dir_contents": {d["path"]: read_dir(d["path"], d["pattern"]) for d in params["read_dirs"]},
            "commands": run_commands(params["commands"], run),
            "units_state": units_state(params["systemd_units"], run),
        }
    except (ValueError, OSError, RuntimeError) as error:
        module.fail_json(msg=str(error))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
