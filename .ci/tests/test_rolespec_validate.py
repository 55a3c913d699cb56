"""A role's argument spec is checked once per run: the playbooks' first play (preflight.yml)
checks each role's `preflight` entry point, and the plays that then apply the role skip
Ansible's second check of the same spec (`rolespec_validate`). That is only safe where the
first play surely checked it; these tests hold every such place to that."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
# Groups whose hosts preflight.yml requires to be in another group too ("Check the
# database replicas' groups").
WITHIN = {"postgresql_replica": "postgresql"}
RUNTIME_CHECK = re.compile(r"^\{\{ '([a-z_]+)' not in djangoops_preflight_checked \| default\(\[\]\) \}\}$")


def load(path):
    return yaml.safe_load(path.read_text())


def role_specs(role):
    return load(ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]


def preflight_groups():
    play = load(PLAYBOOKS / "preflight.yml")[0]
    return {item["role"]: set(item["groups"]) for item in play["vars"]["__preflight_roles"]}


def role_tasks(tasks):
    """Every import_role / include_role under a list of tasks (blocks included)."""
    for task in tasks or []:
        for key in ("block", "rescue", "always"):
            yield from role_tasks(task.get(key))
        for action in ("ansible.builtin.import_role", "ansible.builtin.include_role"):
            if action in task:
                yield action, task[action]


def skipped_checks():
    """(playbook, play, action, args) for every role applied with rolespec_validate set."""
    for path in sorted(PLAYBOOKS.glob("*.yml")) + sorted((ROOT / "roles").glob("*/tasks/*.yml")):
        data = load(path) or []
        plays = [p for p in data if isinstance(p, dict) and "hosts" in p] if path.parent == PLAYBOOKS else [{"tasks": data}]
        for play in plays:
            for section in ("pre_tasks", "tasks", "post_tasks"):
                for action, args in role_tasks(play.get(section)):
                    if "rolespec_validate" in args:
                        yield path, play, action, args


CASES = list(skipped_checks())


def test_the_playbooks_skip_the_second_check_somewhere():
    # site.yml's roles and the release flow's django_app; a refactor that drops them all
    # would go unnoticed otherwise.
    assert len(CASES) >= 10, CASES


@pytest.mark.parametrize("path,play,action,args", CASES, ids=[f"{c[0].name}:{c[3]['name']}" for c in CASES])
def test_a_skipped_check_was_made_by_the_first_play(path, play, action, args):
    role = args["name"].split(".")[-1]
    specs = role_specs(role)
    entry = args.get("tasks_from", "main")
    # The first play checks the preflight entry point: it must be the same spec.
    assert specs["preflight"]["options"] == specs[entry]["options"], f"{role}: preflight and {entry} specs differ"
    value = args["rolespec_validate"]
    if isinstance(value, str):
        # At run time: skipped only on a host whose first play checked this role.
        match = RUNTIME_CHECK.match(value)
        assert match and match.group(1) == role, f"{path.name}: {args['name']}: {value!r}"
        assert action == "ansible.builtin.include_role", "a static import cannot read a fact set at run time"
        return
    assert value is False
    # A static import: the playbook's first play must check this role on every host of the play.
    assert path.parent == PLAYBOOKS, f"{path}: only a playbook that starts with preflight.yml may skip it outright"
    first = load(path)[0]
    assert first.get("ansible.builtin.import_playbook") == "preflight.yml", f"{path.name} does not start with preflight.yml"
    assert "djangoops_preflight_roles" not in (first.get("vars") or {}), f"{path.name}'s first play checks only some roles"
    groups = {WITHIN.get(g, g) for g in play["hosts"].split(":") if g and not g.startswith(("!", "&"))}
    assert groups <= preflight_groups()[role], f"{path.name}: {play['name']}: hosts {groups} beyond preflight's {role} groups"


def test_every_role_checked_first_has_the_same_spec_in_both_entry_points():
    for role in preflight_groups():
        specs = role_specs(role)
        assert specs["preflight"]["options"] == specs["main"]["options"], role
