# -*- coding: utf-8 -*-
"""Read-only commands by name, for the modules that read a host's state
(djangoops.deploy.host_state, djangoops.deploy.files)."""

from __future__ import annotations


def run_commands(commands, run_command):
    """Run each command (name: argument list) with run_command; a command that is not
    installed (OSError) has rc 127."""
    out = {}
    for name, argv in commands.items():
        if not isinstance(argv, list) or not argv or not all(isinstance(a, (str, int)) for a in argv):
            raise ValueError(f"commands.{name} must be a non-empty list of arguments, got {argv!r}")
        try:
            rc, stdout, stderr = run_command([str(a) for a in argv])
        except OSError as error:
            rc, stdout, stderr = 127, "", str(error)
        out[name] = {"rc": rc, "stdout": stdout, "stderr": stderr}
    return out
