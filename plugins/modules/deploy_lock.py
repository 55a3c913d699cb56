#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Take or release an app's deploy lock on a host in one module call."""

from __future__ import annotations

DOCUMENTATION = r"""
module: deploy_lock
short_description: Take or release an app's deploy lock in one call
description:
  - The lock is a directory C(<dir>/<name>.lock) (mkdir is atomic, so of two runs only one makes it)
    holding C(holder.json) (who, which playbook, since when, the run's token).
  - C(state=held) takes it, or succeeds when this run's token already holds it (the next
    serial batch of the same run). When another run holds it, the module does not fail but
    returns C(held=false) and the holder, for the caller's message. With I(break_stale), a
    lock older than I(stale_after) seconds is broken and taken (C(broken=true)); a lock
    without C(holder.json) (a run killed between mkdir and writing it) counts as age 0.
  - C(state=released) removes the lock only when this run's token holds it.
  - Taking and releasing are bookkeeping of the run, not changes to the host, so C(changed) is
    always false and a no-op run stays changed=0.
version_added: "1.2.0"
author: djangoops.deploy maintainers
options:
  name:
    description: The lock's name (the app's name).
    type: str
    required: true
  dir:
    description: Directory of the locks (made 0700 root when missing).
    type: path
    default: /var/lib/djangoops/locks
  state:
    description: C(held) to take it, C(released) to release this run's lock.
    type: str
    choices: [held, released]
    default: held
  token:
    description: This run's token.
    type: str
    required: true
  holder:
    description: Who takes it (user@controller).
    type: str
    default: ""
  playbook:
    description: The playbook taking it.
    type: str
    default: ""
  break_stale:
    description: Break a lock older than I(stale_after) held by another token.
    type: bool
    default: false
  stale_after:
    description: Seconds after which a lock may be broken.
    type: int
    default: 1800
"""

EXAMPLES = r"""
- name: Take the lock of shop
  djangoops.deploy.deploy_lock:
    name: shop
    token: "{{ run_token }}"
    holder: ops@laptop
    playbook: djangoops.deploy.deploy
  register: lock
"""

RETURN = r"""
held:
  description: Whether this run holds the lock now (C(state=held)).
  type: bool
  returned: always
broken:
  description: Whether a stale lock of another run was broken to take it.
  type: bool
  returned: always
released:
  description: Whether this run's lock was removed (C(state=released)).
  type: bool
  returned: always
holder:
  description: >-
    The record (holder, playbook, since, token) of the run that holds the lock, or of the
    run whose stale lock was broken (C(broken=true)).
  type: dict
  returned: always
age:
  description: Seconds since that run took the lock.
  type: int
  returned: always
"""

import json
import os
import shutil
import time

from ansible.module_utils.basic import AnsibleModule


def read_holder(path):
    try:
        with open(os.path.join(path, "holder.json")) as record:
            return json.load(record)
    except (OSError, ValueError):
        return {}


def write_holder(path, record):
    temporary = os.path.join(path, ".holder.json.tmp")
    with open(temporary, "w") as out:
        json.dump(record, out)
    os.chmod(temporary, 0o600)
    os.replace(temporary, os.path.join(path, "holder.json"))


def take(path, record, break_stale, stale_after, now):
    """Return (held, broken, holder, age); when broken, holder and age are the broken lock's."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        holder = read_holder(path)
        age = int(now - float(holder.get("since", now)))
        if holder.get("token") == record["token"]:
            return True, False, holder, age
        if not (break_stale and age >= stale_after):
            return False, False, holder, age
        shutil.rmtree(path)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:  # a third run took it meanwhile
            holder = read_holder(path)
            return False, False, holder, int(now - float(holder.get("since", now)))
        write_holder(path, record)
        return True, True, holder, age
    write_holder(path, record)
    return True, False, record, 0


def release(path, token, now):
    """Return (released, holder, age)."""
    holder = read_holder(path)
    age = int(now - float(holder.get("since", now)))
    if holder.get("token") != token or not os.path.isdir(path):
        return False, holder, age
    shutil.rmtree(path)
    return True, holder, age


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "dir": {"type": "path", "default": "/var/lib/djangoops/locks"},
            "state": {"type": "str", "choices": ["held", "released"], "default": "held"},
            "token": {"type": "str", "required": True, "no_log": False},
            "holder": {"type": "str", "default": ""},
            "playbook": {"type": "str", "default": ""},
            "break_stale": {"type": "bool", "default": False},
            "stale_after": {"type": "int", "default": 1800},
        },
        supports_check_mode=False,
    )
    params = module.params
    if not params["token"] and params["state"] == "held":
        module.fail_json(msg="deploy_lock: token is empty (each run needs its own token)")
    path = os.path.join(params["dir"], params["name"] + ".lock")
    now = time.time()
    result = {"changed": False, "held": False, "broken": False, "released": False, "path": path}
    try:
        if params["state"] == "held":
            os.makedirs(params["dir"], 0o700, exist_ok=True)
            record = {"holder": params["holder"], "playbook": params["playbook"], "since": int(now),
                      "token": params["token"]}
            held, broken, holder, age = take(path, record, params["break_stale"], params["stale_after"], now)
            result.update(held=held, broken=broken, holder=holder, age=age)
        else:
            released, holder, age = release(path, params["token"], now)
            result.update(released=released, holder=holder, age=age)
    except OSError as error:
        module.fail_json(msg=f"deploy_lock {path}: {error}", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
