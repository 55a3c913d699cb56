#!/usr/bin/env python3
"""Fail when an inventory holds a secret in plain text.

Rules, for every YAML file under the given inventories directory:
  * a file named vault.yml / vault.yaml (or under a vault/ directory) must be
    ansible-vault encrypted ($ANSIBLE_VAULT header);
  * in any other file, a variable whose name looks secret (password, secret,
    token, key, ...) must either refer to a vault variable ("{{ vault_... }}")
    or be an inline !vault value;
  * vault_* variables may only be defined in encrypted files.
Prints one line per finding and exits 1 if there is any.
"""
import pathlib
import re
import sys

import yaml

SECRET_NAME = re.compile(r"(pass(word|wd|phrase)?|secret|token|api_?key|private_?key|secret_?key|credential)", re.I)
# A variable that names where a secret is kept (ansible_ssh_private_key_file, a
# *_password_file) holds a path, not the secret: an absolute, home, relative or
# templated path passes.
PATH_NAME = re.compile(r"_(file|path)$", re.I)
PATH_VALUE = re.compile(r"^\s*([/~.]|\{\{)")
VAULT_REFERENCE = re.compile(r"^\s*\{\{\s*vault_[a-z0-9_]+(\s*\|[^}]*)?\s*\}\}\s*$")
VAULT_HEADER = "$ANSIBLE_VAULT;"


class Loader(yaml.SafeLoader):
    """SafeLoader that keeps !vault values as a marker instead of failing."""


Loader.add_constructor("!vault", lambda loader, node: VaultValue())
Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


class VaultValue:
    pass


def is_vault_file(path):
    return path.stem in {"vault", "vault.yml"} or "vault" in path.parent.parts[-1:]


def walk(data, trail=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, trail + (str(key),))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk(value, trail + (str(index),))
    else:
        yield trail, data


def check_file(path):
    text = path.read_text(encoding="utf-8")
    if is_vault_file(path):
        if not text.startswith(VAULT_HEADER):
            return [f"{path}: vault file is not encrypted (ansible-vault encrypt it)"]
        return []
    findings = []
    for trail, value in walk(yaml.load(text, Loader=Loader) or {}):
        names = [part for part in trail if not part.isdigit()]
        if not names or isinstance(value, VaultValue) or value is None:
            continue
        name = names[-1]
        where = f"{path}: {'.'.join(trail)}"
        if name.startswith("vault_"):
            findings.append(f"{where} defines a vault_ variable outside an encrypted vault file")
        elif PATH_NAME.search(name) and isinstance(value, str) and PATH_VALUE.match(value) and "\n" not in value:
            continue
        elif SECRET_NAME.search(name) and not isinstance(value, bool):
            if not (isinstance(value, str) and VAULT_REFERENCE.match(value)):
                findings.append(f"{where} looks like a secret in plain text; set it to \"{{{{ vault_{name} }}}}\" and put the value in vault.yml")
    return findings


def main(argv):
    root = pathlib.Path(argv[1] if len(argv) > 1 else "inventories")
    files = sorted(p for p in root.rglob("*") if p.suffix in {".yml", ".yaml"} and p.is_file())
    findings = [f for path in files for f in check_file(path)]
    for finding in findings:
        print(finding)
    print(f"checked {len(files)} inventory files under {root}: {len(findings)} plaintext secret(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
