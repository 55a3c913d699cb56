# -*- coding: utf-8 -*-
"""Pack a local Django project into a deterministic archive, in the controller's own process."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ansible.plugins.action import ActionBase

# roles/django_app/files: pack_source.py, and inspect_project.py, which it imports
# (and which the role also runs on the host).
FILES = Path(__file__).resolve().parents[2] / "roles" / "django_app" / "files"


def load_packer():
    """pack_source.py as a module, with inspect_project importable while it loads."""
    spec = importlib.util.spec_from_file_location("djangoops_deploy_pack_source", FILES / "pack_source.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(FILES))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(FILES))
    return module


class ActionModule(ActionBase):
    """The role's packing step without a module call: the same pack_source.py, called in
    this worker instead of through ansible.builtin.command, which started two Python
    processes (the command module's and the script's) for a 60 ms job."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec={
            "cache": {"type": "path", "required": True},
            "project": {"type": "path", "required": True},
            "requirements": {"type": "str", "default": "requirements.txt"},
            "inline_max": {"type": "int", "default": 0},
            "excludes": {"type": "list", "elements": "str", "default": []},
        })
        if not Path(args["project"]).is_dir():
            return dict(result, failed=True, msg=f"project: {args['project']} is not a directory on the controller")
        try:
            packed = load_packer().pack(
                args["cache"], args["project"], args["requirements"], args["inline_max"],
                [f"--exclude={pattern}" for pattern in args["excludes"]],
            )
        except (OSError, RuntimeError) as error:
            return dict(result, failed=True, msg=str(error))
        return dict(result, changed=False, packed=packed)
