"""djangoops.deploy.role_input: the preflight play checks the roles' input in one task.

It must refuse what include_role of the role's preflight.yml refuses, with the same
message, and pass what it passes. Each case runs both on a small role in a copy of
the collection (its action plugin, that role, one with a host probe), in one playbook.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ROLE = {
    "defaults/main.yml": """
        probe_port: 80
        probe_name: web
        probe_list: [alpha, beta]
        probe_derived: "{{ probe_name }}-x"
        probe_check_derived: true
    """,
    "vars/main.yml": """
        __probe_limit: 1000
    """,
    "meta/argument_specs.yml": """
        argument_specs:
          main: &spec
            short_description: A probe.
            options:
              probe_port: {type: int, description: A port.}
              probe_name: {type: str, choices: [web, api], description: A name.}
              probe_list: {type: list, elements: str, description: Names.}
              probe_derived: {type: str, description: Derived.}
              probe_check_derived: {type: bool, description: Check it.}
          preflight: *spec
    """,
    "tasks/main.yml": """
        - name: Nothing
          ansible.builtin.meta: noop
    """,
    "tasks/preflight.yml": """
        - name: preflight | The port is below the role's limit
          ansible.builtin.assert:
            that:
              - probe_port | int >= 1
              - probe_port | int <= __probe_limit
            fail_msg: probe_port must be from 1 to {{ __probe_limit }}, got {{ probe_port }}
            quiet: true

        - name: preflight | Each name is lowercase
          ansible.builtin.assert:
            that: entry is match('^[a-z]+$')
            fail_msg: "probe_list: {{ entry }} is not lowercase letters"
            quiet: true
          loop: "{{ probe_list }}"
          loop_control:
            loop_var: entry
            label: "{{ entry }}"

        - name: preflight | The derived name, when asked
          ansible.builtin.assert:
            that: __probe_value is match('^[a-z]+-x$')
            msg: probe_derived must look like name-x, got {{ __probe_value }}
            quiet: true
          vars:
            __probe_value: "{{ probe_derived }}"
          when:
            - probe_check_derived | bool
    """,
}

# A role whose checks read the host: left to include_role.
PROBING_ROLE = {
    "tasks/main.yml": "- name: Nothing\n  ansible.builtin.meta: noop\n",
    "tasks/preflight.yml": """
        - name: preflight | Read something
          ansible.builtin.command: "true"
          register: __probing
          changed_when: false
    """,
}

PLAYBOOK = """
- hosts: probehost
  connection: local
  gather_facts: false
  tasks:
    - name: Check with the role's own tasks
      block:
        - name: Include the role's preflight
          ansible.builtin.include_role:
            name: djangoops.deploy.probe
            tasks_from: preflight
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            by_tasks: "{{ (ansible_failed_result.results | default([]) | selectattr('failed', 'defined')
                           | selectattr('failed') | map(attribute='msg') | first | default(ansible_failed_result.msg)) }}"
            by_tasks_errors: "{{ ansible_failed_result.argument_errors | default([]) }}"

    - name: Check with the action
      djangoops.deploy.role_input:
        roles: [probe, probing]
      register: by_action
      ignore_errors: true

    - name: Report both
      ansible.builtin.copy:
        content: "{{ {'tasks': by_tasks | default(None), 'tasks_errors': by_tasks_errors | default([]),
                      'action': by_action.msg if by_action.failed else None,
                      'action_errors': by_action.argument_errors | default([]),
                      'deferred': by_action.deferred | default(None)} | to_json }}"
        dest: "{{ report }}"
        mode: "0600"
"""


def write_role(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    base = tmp_path_factory.mktemp("collection")
    top = base / "ansible_collections" / "djangoops" / "deploy"
    (top / "plugins" / "action").mkdir(parents=True)
    shutil.copy(ROOT / "plugins" / "action" / "role_input.py", top / "plugins" / "action")
    (top / "galaxy.yml").write_text("namespace: djangoops\nname: deploy\nversion: 1.0.0\n")
    (top / "meta").mkdir()
    (top / "meta" / "runtime.yml").write_text("requires_ansible: '>=2.16'\n")
    write_role(top / "roles" / "probe", ROLE)
    write_role(top / "roles" / "probing", PROBING_ROLE)
    (base / "play.yml").write_text(PLAYBOOK)
    (base / "ansible.cfg").write_text("[defaults]\n")
    return base


# (inventory host vars, extra vars)
CASES = {
    "defaults pass": ({}, {}),
    "an assertion": ({}, {"probe_port": 2000}),
    "the inventory over the defaults": ({"probe_port": 3000}, {}),
    "extra vars over the role's vars": ({}, {"probe_port": 2000, "__probe_limit": 5000}),
    "an argument's type": ({}, {"probe_port": "eighty"}),
    "an argument's choices": ({"probe_name": "db"}, {}),
    "a loop item": ({}, {"probe_list": ["alpha", "Beta"]}),
    "a task's vars": ({}, {"probe_derived": "Web"}),
    "a task's when": ({}, {"probe_derived": "Web", "probe_check_derived": False}),
    "an undefined variable": ({}, {"probe_name": "{{ nowhere }}"}),
}


@pytest.fixture(scope="module")
def reports(collection):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collection), ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_CONFIG=str(collection / "ansible.cfg"), HOME=str(collection))
    started = {}
    for case, (host_vars, extra) in CASES.items():
        slug = case.replace(" ", "-").replace("'", "")
        inventory = collection / f"{slug}.json"
        inventory.write_text(json.dumps({"all": {"hosts": {"probehost": dict(
            host_vars, ansible_python_interpreter=sys.executable)}}}))
        report = collection / f"{slug}.report.json"
        started[case] = (subprocess.Popen(
            ["ansible-playbook", "-i", str(inventory), str(collection / "play.yml"),
             "-e", json.dumps(dict(extra, report=str(report)))],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True), report)
    done = {}
    for case, (proc, report) in started.items():
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out
        done[case] = json.loads(report.read_text())
    return done


@pytest.mark.parametrize("case", ["defaults pass", "extra vars over the role's vars", "a task's when"])
def test_what_the_tasks_pass_the_action_passes(reports, case):
    assert reports[case]["tasks"] is None and reports[case]["action"] is None, reports[case]
    assert reports[case]["deferred"] == ["probing"]


@pytest.mark.parametrize("case, expected", [
    ("an assertion", "probe_port must be from 1 to 1000, got 2000"),
    ("the inventory over the defaults", "probe_port must be from 1 to 1000, got 3000"),
    ("a loop item", "probe_list: Beta is not lowercase letters"),
    ("a task's vars", "probe_derived must look like name-x, got Web"),
])
def test_a_failed_assertion_gives_the_tasks_message(reports, case, expected):
    assert reports[case]["tasks"] == expected
    assert reports[case]["action"] == expected


@pytest.mark.parametrize("case, expected", [
    ("an argument's type", "argument 'probe_port' is of type str and we were unable to convert to int"),
    ("an argument's choices", "value of probe_name must be one of: web, api, got: db"),
])
def test_the_argument_spec_gives_the_same_errors_naming_the_role(reports, case, expected):
    assert reports[case]["action_errors"] == reports[case]["tasks_errors"], reports[case]
    assert expected in reports[case]["action_errors"][0]
    assert reports[case]["action"].startswith("Validating arguments against arg spec 'preflight' of djangoops.deploy.probe failed:")


def test_an_undefined_variable_is_named(reports):
    assert "'nowhere' is undefined" in reports["an undefined variable"]["tasks"]
    assert "'nowhere' is undefined" in reports["an undefined variable"]["action"]


def test_only_assert_tasks_are_evaluated_in_the_action():
    sys.path.insert(0, str(ROOT / "plugins" / "action"))
    try:
        import role_input
    finally:
        sys.path.remove(str(ROOT / "plugins" / "action"))
    plain = {"name": "x", "ansible.builtin.assert": {"that": "true", "fail_msg": "no"}}
    assert role_input.assert_only([plain, dict(plain, loop=[1], loop_control={"loop_var": "i", "label": "{{ i }}"})])
    assert role_input.assert_only([])
    assert not role_input.assert_only([dict(plain, register="r")])
    assert not role_input.assert_only([dict(plain, delegate_to="localhost")])
    assert not role_input.assert_only([dict(plain, loop_control={"extended": True})])
    assert not role_input.assert_only([{"name": "x", "ansible.builtin.command": "true"}])
    assert not role_input.assert_only([{"name": "x", "ansible.builtin.assert": {"that": "true", "unknown": 1}}])
    # The collection's roles whose preflight reads the host stay with include_role.
    probing = sorted(role.name for role in (ROOT / "roles").iterdir() if (role / "tasks" / "preflight.yml").is_file()
                     and not role_input.assert_only(__import__("yaml").safe_load((role / "tasks" / "preflight.yml").read_text())))
    assert probing == ["pgbackrest", "postgresql", "sqlite_migration", "workers"]
