#!/usr/bin/env python3
"""Keep each role README's variables table in sync with meta/argument_specs.yml.

The table sits between <!-- BEGIN VARIABLES --> and <!-- END VARIABLES -->; the default
column shows the literal value from defaults/main.yml. `role_docs.py --check` exits 1
when a README is stale (run by `make lint`); without it the READMEs are rewritten.
"""
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- BEGIN VARIABLES -->", "<!-- END VARIABLES -->"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def default_of(name, spec, defaults):
    if spec.get("required"):
        return "**required**"
    if name in defaults:
        value = defaults[name]
        shown = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
        shown = shown.removesuffix("\n...").removesuffix("...").strip()
        return f"`{shown}`" if shown else "`\"\"`"
    return "(unset)"


def table(role):
    specs = yaml.safe_load((role / "meta/argument_specs.yml").read_text())["argument_specs"]["main"]
    defaults_file = role / "defaults/main.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) or {} if defaults_file.exists() else {}
    rows = ["| variable | type | default | description |", "|---|---|---|---|"]
    for name, spec in specs.get("options", {}).items():
        kind = spec.get("type", "str")
        if kind == "list" and "elements" in spec:
            kind = f"list of {spec['elements']}"
        if "choices" in spec:
            kind += " (" + ", ".join(map(str, spec["choices"])) + ")"
        desc = spec.get("description", "")
        desc = " ".join(desc) if isinstance(desc, list) else desc
        rows.append(f"| `{name}` | {cell(kind)} | {cell(default_of(name, spec, defaults))} | {cell(desc)} |")
    return "\n".join(rows)


def main():
    check = "--check" in sys.argv
    stale = []
    for role in sorted(p for p in (ROOT / "roles").iterdir() if (p / "meta/argument_specs.yml").exists()):
        specs = yaml.safe_load((role / "meta/argument_specs.yml").read_text())["argument_specs"]["main"]
        defaults_file = role / "defaults/main.yml"
        defaults = (yaml.safe_load(defaults_file.read_text()) or {}) if defaults_file.exists() else {}
        documented = set(specs.get("options", {}))
        for name in sorted(set(defaults) - documented):
            stale.append(f"{role.name}: {name} is in defaults/main.yml but not in meta/argument_specs.yml")
        for name in sorted(documented - set(defaults)):
            if not specs["options"][name].get("required"):
                stale.append(f"{role.name}: {name} is in meta/argument_specs.yml but has no default in defaults/main.yml")
        readme = role / "README.md"
        text = readme.read_text() if readme.exists() else ""
        if BEGIN not in text or END not in text:
            stale.append(f"{readme.relative_to(ROOT)} has no {BEGIN} ... {END} block")
            continue
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        new = f"{head}{BEGIN}\n{table(role)}\n{END}{tail}"
        if new != text:
            if check:
                stale.append(f"{readme.relative_to(ROOT)} is stale: run python3 .ci/role_docs.py")
            else:
                readme.write_text(new)
                print(f"updated {readme.relative_to(ROOT)}")
    reference = ROOT / "docs/variables.md"
    roles = sorted(p for p in (ROOT / "roles").iterdir() if (p / "meta/argument_specs.yml").exists())
    parts = ["# Variables reference", "",
             "Generated from each role's `meta/argument_specs.yml` and `defaults/main.yml` by",
             "`python3 .ci/role_docs.py`; `make lint` fails when it is stale. Each role also",
             "validates these before it changes anything (`ansible-doc -t role djangoops.deploy.<role>`).", ""]
    for role in roles:
        spec = yaml.safe_load((role / "meta/argument_specs.yml").read_text())["argument_specs"]["main"]
        parts += [f"## djangoops.deploy.{role.name}", "", spec.get("short_description", ""), "", table(role), ""]
    text = "\n".join(parts)
    if not reference.exists() or reference.read_text() != text:
        if check:
            stale.append("docs/variables.md is stale: run python3 .ci/role_docs.py")
        else:
            reference.write_text(text)
            print("updated docs/variables.md")
    if stale:
        sys.exit("\n".join(stale))


if __name__ == "__main__":
    main()
