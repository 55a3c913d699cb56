# -*- coding: utf-8 -*-
"""Check several roles' input in one task: each role's argument spec for an entry point,
then the assertions of its tasks/<entry point>.yml, with the variables include_role
would give the role."""

from __future__ import annotations

from pathlib import Path

import yaml

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.vars import load_extra_vars

ROLES = Path(__file__).resolve().parents[2] / "roles"
ASSERT = ("ansible.builtin.assert", "assert")
# The keys of an assert task this action reads; a task with any other key (a module,
# register, delegate_to, ...) needs Ansible, and its role is left to include_role.
ASSERT_KEYS = {"name", "vars", "when", "loop", "loop_control", *ASSERT}
ASSERT_ARGS = {"that", "fail_msg", "msg", "quiet", "success_msg"}
# An argument spec is plain data (no templates): read with libyaml when there,
# about ten times faster than Ansible's loader, which tags every value.
SPEC_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_files(loader, directory):
    """A role's defaults or vars as Ansible reads them: main.yml, or the files of main/."""
    single = [directory / f"main{suffix}" for suffix in (".yml", ".yaml", "")]
    found = [path for path in single if path.is_file()][:1]
    if not found and (directory / "main").is_dir():
        found = sorted(path for path in (directory / "main").iterdir() if path.suffix in (".yml", ".yaml"))
    values = {}
    for path in found:
        values.update(loader.load_from_file(str(path), trusted_as_template=True) or {})
    return values


def assert_only(tasks):
    """True when every task is an assert this action can evaluate as Ansible would."""
    for task in tasks or []:
        module = [key for key in ASSERT if key in task]
        if len(module) != 1 or set(task) - ASSERT_KEYS or not isinstance(task[module[0]], dict):
            return False
        if set(task[module[0]]) - ASSERT_ARGS or set(task.get("loop_control", {})) - {"label", "loop_var"}:
            return False
    return True


class ActionModule(ActionBase):
    """include_role's check of a role's input costs a task per role for the include, one
    for the argument spec and one per assertion, each templating the play's variables in
    a new worker: about 0.3 s a role. This evaluates the same files in one task."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _, args = self.validate_argument_spec(argument_spec={
            "roles": {"type": "list", "elements": "str", "required": True},
            "entry_point": {"type": "str", "default": "preflight"},
        })
        extra_vars = load_extra_vars(self._loader)
        checked, deferred = [], []
        for role in args["roles"]:
            path = ROLES / role
            if not (path / "tasks").is_dir():
                raise AnsibleError(f"roles: {role} is not a role of this collection (no {path}/tasks)")
            tasks_file = path / "tasks" / f"{args['entry_point']}.yml"
            tasks = self._loader.load_from_file(str(tasks_file), trusted_as_template=True) if tasks_file.is_file() else []
            if not assert_only(tasks):
                deferred.append(role)
                continue
            # include_role's precedence: the role's defaults under the play's variables,
            # its vars above them, extra vars above all.
            variables = yaml_files(self._loader, path / "defaults")
            variables.update(task_vars)
            variables.update(yaml_files(self._loader, path / "vars"))
            variables.update(extra_vars)
            variables.update(role_name=f"djangoops.deploy.{role}", role_path=str(path))
            failure = self._check_role(role, path, args["entry_point"], tasks, variables)
            if failure:
                return dict(result, failed=True, role=role, **failure)
            checked.append(role)
        return dict(result, changed=False, checked=checked, deferred=deferred)

    def _check_role(self, role, path, entry_point, tasks, variables):
        templar = self._templar.copy_with_new_env(available_variables=variables)
        specs_file = path / "meta" / "argument_specs.yml"
        specs = yaml.load(specs_file.read_text(encoding="utf-8"), Loader=SPEC_LOADER) if specs_file.is_file() else None
        spec = ((specs or {}).get("argument_specs") or {}).get(entry_point)
        if spec is not None:
            options = spec.get("options") or {}
            provided = {name: variables[name] for name in options if name in variables}
            try:
                provided = templar.template(provided)
            except AnsibleError as error:
                return {"msg": f"Validating arguments against arg spec '{entry_point}' of djangoops.deploy.{role}: {error}"}
            errors = ArgumentSpecValidator(options).validate(provided, validate_role_argument_spec=True).error_messages
            if errors:
                return {"msg": f"Validating arguments against arg spec '{entry_point}' of djangoops.deploy.{role} failed:\n" + "\n".join(errors),
                        "argument_errors": errors}
        for task in tasks or []:
            failure = self._check_task(templar, variables, task)
            if failure:
                return dict(failure, task=task.get("name", ""))
        return None

    def _check_task(self, templar, variables, task):
        """One assert task: its vars, its when, its loop, then each item's conditions in turn."""
        module = task.get("ansible.builtin.assert", task.get("assert"))
        scope = dict(variables, **(task.get("vars") or {}))
        templar = templar.copy_with_new_env(available_variables=scope)
        when = task.get("when", [])
        for condition in when if isinstance(when, list) else [when]:
            if not templar.evaluate_conditional(condition):
                return None
        loop_var = (task.get("loop_control") or {}).get("loop_var", "item")
        items = templar.template(task["loop"]) if "loop" in task else [None]
        that = module["that"] if isinstance(module["that"], list) else [module["that"]]
        for item in items:
            item_templar = templar if "loop" not in task else templar.copy_with_new_env(
                available_variables=dict(scope, **{loop_var: item}))
            for condition in that:
                if not item_templar.evaluate_conditional(condition):
                    return {"msg": item_templar.template(module.get("fail_msg", module.get("msg", "Assertion failed"))),
                            "assertion": condition}
        return None
