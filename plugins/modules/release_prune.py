#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Remove old releases, the virtualenvs no kept release uses and old wheelhouses, in one call."""

from __future__ import annotations

DOCUMENTATION = r"""
module: release_prune
short_description: Remove old releases, unused virtualenvs and old wheelhouses in one call
description:
  - Releases are the directories of I(releases_dir), named C(<UTC build time>-<content id>), so
    sorting by name sorts by age. All but the newest I(keep_releases) are removed, never one
    named in I(protect) wherever it stands (the live release, the one live before this run,
    which a rollback may have made the oldest, and the one just built).
  - A virtualenv of I(venvs_dir) is removed when no kept release links to it (C(<release>/.venv)).
  - Wheelhouses of I(wheel_cache) beyond the newest I(keep_wheelhouses) (by modification time) are removed.
  - Check mode reports what would be removed.
version_added: "1.2.0"
author: djangoops.deploy maintainers
options:
  releases_dir:
    description: The app's releases directory.
    type: path
    required: true
  venvs_dir:
    description: The shared virtualenvs' directory.
    type: path
    required: true
  wheel_cache:
    description: The wheelhouses' directory.
    type: path
    required: true
  keep_releases:
    description: How many of the newest releases to keep (at least 1).
    type: int
    required: true
  keep_wheelhouses:
    description: How many of the newest wheelhouses to keep (at least 1).
    type: int
    default: 3
  protect:
    description: Release names (or paths) never removed; empty entries are ignored.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Prune after the gate passed
  djangoops.deploy.release_prune:
    releases_dir: /opt/shop/releases
    venvs_dir: /opt/shop/venvs
    wheel_cache: /opt/shop/wheels
    keep_releases: 5
    protect: ["{{ live_release }}", "{{ previous_release }}"]
"""

RETURN = r"""
removed:
  description: The paths removed (or that would be, in check mode).
  type: list
  elements: str
  returned: always
"""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule


def releases_to_prune(paths, keep, protect=()):
    """The release paths to remove: all but the newest `keep` by name (names start with
    their build time), never one whose name is in `protect`."""
    try:
        keep = int(keep)
    except (TypeError, ValueError):
        raise ValueError(f"keep must be a whole number, not {keep!r}") from None
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}")
    protected = {os.path.basename(str(name).rstrip("/")) for name in protect if name}
    ordered = sorted(str(path) for path in paths)
    return [path for path in ordered[:-keep] if os.path.basename(path.rstrip("/")) not in protected]


def subdirectories(path):
    if not os.path.isdir(path):
        return []
    return sorted(entry.path for entry in os.scandir(path) if entry.is_dir(follow_symlinks=False))


def plan(releases_dir, venvs_dir, wheel_cache, keep_releases, keep_wheelhouses, protect):
    """Every path to remove: old releases, unused virtualenvs, old wheelhouses."""
    releases = subdirectories(releases_dir)
    pruned = releases_to_prune(releases, keep_releases, protect)
    used = set()
    for release in set(releases) - set(pruned):
        link = os.path.join(release, ".venv")
        if os.path.islink(link):
            used.add(os.path.normpath(os.path.join(release, os.readlink(link))))
    venvs = [venv for venv in subdirectories(venvs_dir) if os.path.normpath(venv) not in used]
    if int(keep_wheelhouses) < 1:
        raise ValueError(f"keep_wheelhouses must be at least 1, not {keep_wheelhouses}")
    wheelhouses = sorted(subdirectories(wheel_cache), key=lambda path: os.stat(path).st_mtime)
    return pruned + venvs + wheelhouses[: -int(keep_wheelhouses)]


def main():
    module = AnsibleModule(
        argument_spec={
            "releases_dir": {"type": "path", "required": True},
            "venvs_dir": {"type": "path", "required": True},
            "wheel_cache": {"type": "path", "required": True},
            "keep_releases": {"type": "int", "required": True},
            "keep_wheelhouses": {"type": "int", "default": 3},
            "protect": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=True,
    )
    params = module.params
    try:
        removed = plan(params["releases_dir"], params["venvs_dir"], params["wheel_cache"],
                       params["keep_releases"], params["keep_wheelhouses"], params["protect"])
        if not module.check_mode:
            for path in removed:
                shutil.rmtree(path)
    except (ValueError, OSError) as error:
        module.fail_json(msg=f"release_prune: {error}")
    module.exit_json(changed=bool(removed), removed=removed)


if __name__ == "__main__":
    main()
