# -*- coding: utf-8 -*-
"""Read-only commands, for the modules that read a host's state
(djangoops.deploy.host_state, djangoops.deploy.files): how they are run, commands by
name, and the state of systemd units."""

from __future__ import annotations

SHOW_PROPERTIES = "--property=Id,UnitFileState,ActiveState,NeedDaemonReload"


def read_runner(module):
    """module.run_command for a read-only command: in the C locale, and a command that
    is not installed raises OSError instead of failing the module."""
    def run(argv):
        return module.run_command(argv, environ_update={"LC_ALL": "C"}, handle_exceptions=False)
    return run


def units_state(units, run_command):
    """One `systemctl show` of the units' Id, UnitFileState, ActiveState and
    NeedDaemonReload ("" without units); RuntimeError when it fails."""
    if not units:
        return ""
    rc, out, err = run_command(["systemctl", "show", SHOW_PROPERTIES, *units])
    if rc != 0:
        raise RuntimeError(f"systemctl show failed: {err.strip()}")
    return out


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
