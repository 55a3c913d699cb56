#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Documentation of the role_input action (plugins/action/role_input.py), which runs on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
module: role_input
short_description: Check the input of several of this collection's roles in one task
description:
  - For each role in I(roles), validates the role's variables against its argument spec
    for I(entry_point) (C(meta/argument_specs.yml)), then evaluates the assertions of its
    C(tasks/<entry_point>.yml), and fails on the first check that does not hold, with
    that check's message.
  - The variables are those M(ansible.builtin.include_role) would give the role, with its
    defaults under the play's variables, its C(vars/) above them and extra vars above all.
  - A role whose C(tasks/<entry_point>.yml) holds anything but M(ansible.builtin.assert)
    tasks (with C(vars), C(when), C(loop) and C(loop_control.loop_var)) is not checked
    here; it is returned in RV(deferred), for M(ansible.builtin.include_role).
  - Runs in the controller's worker process; no module is sent anywhere. The playbooks'
    first play (C(djangoops.deploy.preflight)) uses it; each role still checks its input
    with its own tasks when it is used on its own.
version_added: "1.4.0"
author: djangoops.deploy maintainers
options:
  roles:
    description: Names of this collection's roles, checked in this order.
    type: list
    elements: str
    required: true
  entry_point:
    description: The argument spec entry point and the tasks file, without C(.yml).
    type: str
    default: preflight
attributes:
  check_mode:
    support: full
  platform:
    platforms: posix
"""

EXAMPLES = r"""
- name: Check the input of the roles this host runs
  djangoops.deploy.role_input:
    roles: [redis, nginx]
  register: __input

- name: Check the roles whose checks read the host
  ansible.builtin.include_role:
    name: djangoops.deploy.{{ item }}
    tasks_from: preflight
  loop: "{{ __input.deferred }}"
"""

RETURN = r"""
checked:
  description: The roles whose input was checked here.
  returned: always
  type: list
  elements: str
deferred:
  description: The roles whose checks need their own tasks (M(ansible.builtin.include_role)).
  returned: always
  type: list
  elements: str
role:
  description: The role whose check failed.
  returned: failed
  type: str
argument_errors:
  description: The argument spec's errors.
  returned: when the argument spec failed
  type: list
  elements: str
"""
