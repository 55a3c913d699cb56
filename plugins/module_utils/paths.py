# -*- coding: utf-8 -*-
"""What a path is (lstat, a link's target, owner and group names), for the modules that
read a host's state (djangoops.deploy.host_state, djangoops.deploy.files)."""

from __future__ import annotations

import glob
import grp
import os
import pwd
import stat


def _name(lookup, ident):
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


def path_state(path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return {"exists": False, "isdir": False, "islink": False, "target": "", "size": 0, "mtime": 0, "mode": "",
                "owner": "", "group": ""}
    return {"exists": True, "isdir": stat.S_ISDIR(st.st_mode), "islink": stat.S_ISLNK(st.st_mode),
            "target": os.readlink(path) if stat.S_ISLNK(st.st_mode) else "",
            "size": st.st_size, "mtime": st.st_mtime, "mode": f"{stat.S_IMODE(st.st_mode):04o}",
            "owner": _name(pwd.getpwuid, st.st_uid), "group": _name(grp.getgrgid, st.st_gid)}


def glob_paths(patterns):
    """For each shell pattern, the paths it matches, sorted."""
    return {pattern: sorted(glob.glob(pattern)) for pattern in patterns}
