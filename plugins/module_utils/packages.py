# -*- coding: utf-8 -*-
"""Which Debian packages are not installed: one dpkg-query for the modules that read a
host's state (djangoops.deploy.host_state, djangoops.deploy.files)."""

from __future__ import annotations

INSTALLED = ("ii", "hi")  # dpkg's status abbreviation: wanted install/hold, installed


def missing_packages(packages, run_command):
    """The packages not installed, in order; dpkg-query exits 1 for an unknown name
    but still prints the others."""
    plain = [p for p in packages if not any(c in p for c in "=*<>")]
    installed = set()
    if plain:
        _rc, out, _err = run_command(["dpkg-query", "--show", "--showformat=${Package} ${db:Status-Abbrev}\n", *plain])
        for line in out.splitlines():
            name, _, status = line.partition(" ")
            if status[:2] in INSTALLED:
                installed.add(name)
    return [p for p in packages if p not in installed]
