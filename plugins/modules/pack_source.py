#!/usr/bin/python
# -*- coding: utf-8 -*-
"""Documentation of the pack_source action (plugins/action/pack_source.py), which runs on the controller."""

from __future__ import annotations

DOCUMENTATION = r"""
module: pack_source
short_description: Pack a local Django project into a deterministic archive, on the controller
description:
  - Packs I(project) into a new gzip archive in I(cache), with names sorted and times, owners
    and the gzip header fixed, so the same files always give the same checksum (and so the
    same release id in M(djangoops.deploy.django_app)).
  - Reads what the project's files ask for to install it (requirements or lockfile, Python
    version), so the host can refuse a release before anything is unpacked on it.
  - Runs in the controller's worker process (an action, no module is sent anywhere). Each
    call packs into its own file; files in I(cache) older than a day are removed.
version_added: "1.4.0"
author: djangoops.deploy maintainers
options:
  cache:
    description: The controller directory for the archives (created C(0700)).
    type: path
    required: true
  project:
    description: The project's directory on the controller.
    type: path
    required: true
  requirements:
    description: The requirements file, relative to I(project).
    type: str
    default: requirements.txt
  inline_max:
    description: An archive of at most this many bytes is returned in RV(packed.inline) too, base64-encoded.
    type: int
    default: 0
  excludes:
    description: Patterns left out of the archive (tar's C(--exclude)).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    details: It packs in check mode too (it changes nothing on a host).
  platform:
    platforms: posix
notes:
  - Needs GNU tar and gzip on the controller.
"""

EXAMPLES = r"""
- name: Pack the project
  djangoops.deploy.pack_source:
    cache: ~/.cache/djangoops-deploy/myapp
    project: ~/src/myapp
    excludes: [.git, node_modules]
  run_once: true
  register: packed
"""

RETURN = r"""
packed:
  description: The archive's C(path), C(sha256) and C(size), C(asks) (what the project asks for to install it) and, within I(inline_max), C(inline).
  type: dict
  returned: success
"""
