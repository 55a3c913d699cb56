#!/usr/bin/env python3
"""Roles are leaves: no role's code reads another role's variables.

Reads every Jinja expression in each role's tasks, handlers, defaults, vars and
templates (not comments or descriptions) and reports each name that belongs to
another role (`<role>_...`). The one exception is the release flow
(roles/release), which orchestrates the roles it includes: it may read the facts
they publish (their set_fact names without a leading underscore), never their
inputs or defaults. The wiring role (how the playbooks map the app description
onto every role's inputs: variables, and one fact per play) is not a leaf and
is not read. Also reports the default app's literal paths (/srv/django,
/run/django). Exit status 1 on any finding.
"""

import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
ROLES = ROOT / "roles"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
NAME = re.compile(r"(?<![\w.'\"-])([a-z][a-z0-9_]*)")
CONDITIONS = {"when", "that", "failed_when", "changed_when", "until"}
ORCHESTRATOR = "release"
WIRING = "wiring"
LITERALS = ("/srv/django", "/run/django")


def yaml_files(role):
    for sub in ("tasks", "handlers", "defaults", "vars", "meta"):
        yield from sorted((role / sub).rglob("*.yml"))


def expressions(node, key=None):
    """Every Jinja expression in a YAML document, and bare conditions."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from expressions(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item, key)
    elif isinstance(node, str):
        yield from JINJA.findall(node)
        if key in CONDITIONS and "{{" not in node:
            yield node


def published_facts(role):
    """Names a role sets with set_fact and does not mark private."""
    names = set()
    for path in yaml_files(role):
        for doc in yaml.safe_load_all(path.read_text()):
            stack = [doc]
            while stack:
                node = stack.pop()
                if isinstance(node, dict):
                    facts = node.get("ansible.builtin.set_fact")
                    if isinstance(facts, dict):
                        names.update(k for k in facts if not k.startswith("_"))
                    stack.extend(node.values())
                elif isinstance(node, list):
                    stack.extend(node)
    return names


def strip_strings(expression):
    """Drop quoted literals, so a message naming a variable is not a read."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", "''", expression)


def findings(roles_dir=ROLES):
    roles = sorted(p.name for p in roles_dir.iterdir() if (p / "tasks").is_dir())
    outputs = {name: published_facts(roles_dir / name) for name in roles}
    problems = []
    for role in roles:
        if role == WIRING:
            continue
        path_exprs = []
        for path in yaml_files(roles_dir / role):
            text = path.read_text()
            for doc in yaml.safe_load_all(text):
                path_exprs += [(path, e) for e in expressions(doc)]
            for literal in LITERALS:
                for line in text.splitlines():
                    if literal in line and not line.lstrip().startswith("#"):
                        problems.append(f"{path.relative_to(roles_dir.parent)}: literal {literal}")
        for path in sorted((roles_dir / role / "templates").rglob("*")):
            if path.is_file():
                text = path.read_text()
                path_exprs += [(path, e) for e in JINJA.findall(text)]
                for literal in LITERALS:
                    if literal in text:
                        problems.append(f"{path.relative_to(roles_dir.parent)}: literal {literal}")
        for path, expression in path_exprs:
            for name in NAME.findall(strip_strings(expression)):
                owner = next((o for o in roles if o != role and name.startswith(o + "_")), None)
                if owner is None or name.startswith(role + "_"):
                    continue
                if role == ORCHESTRATOR and name in outputs[owner]:
                    continue
                problems.append(f"{path.relative_to(roles_dir.parent)}: reads {name} ({owner}'s)")
    return sorted(set(problems))


def main():
    problems = findings()
    for problem in problems:
        print(problem)
    print(f"{len(problems)} role boundary finding(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
