# Run by the release build with the interpreter the virtualenv will be made
# from (django_app_python), from the top of the new release:
#   python -c "<this file>" <requirements file>
# Prints one JSON line: the requirements file's SHA-256 (or that it is missing),
# this interpreter's version, the Python the project asks for (pyproject.toml's
# requires-python, .python-version) and, in "problems", each of those this
# interpreter does not satisfy. Standard library only (Python 3.8+: no tomllib
# before 3.11, so requires-python is read with a pattern).
import glob
import hashlib
import json
import os
import re
import sys

HERE = tuple(sys.version_info[:3])


def release(text):
    """'3.12.1' -> (3, 12, 1); '3.12' -> (3, 12)."""
    return tuple(int(part) for part in text.split("."))


def satisfies(clause):
    """One PEP 440 clause against this interpreter: >=3.12, <3.14, ==3.12.*, ~=3.11, !=3.12.0."""
    match = re.fullmatch(r"\s*(~=|===|==|!=|<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)*)(\.\*)?\s*", clause)
    if not match:
        raise ValueError(clause)
    op, version, star = match.group(1), release(match.group(2)), match.group(3)
    # 3.12.* compares the leading parts; otherwise the shorter side is zero-padded (PEP 440).
    mine = HERE[: len(version)] if star else HERE
    padded = version + (0,) * (len(mine) - len(version))
    if op in ("==", "==="):
        return mine == padded
    if op == "!=":
        return mine != padded
    if op == "~=":
        return HERE >= version + (0,) * (3 - len(version)) and HERE[: len(version) - 1] == version[:-1]
    return {">=": HERE >= padded, "<=": HERE <= padded, ">": HERE > padded, "<": HERE < padded}[op]


def requires_python(text):
    match = re.search(r'^\s*requires-python\s*=\s*["\']([^"\']*)["\']', text, re.MULTILINE)
    return match.group(1).strip() if match else None


def pinned_version(text):
    """.python-version's first line: 3.12, 3.12.1, cpython-3.12, cpython@3.12 (uv, pyenv)."""
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.search(r"(?:^|[-@])([0-9]+(?:\.[0-9]+){0,2})$", line)
            return match.group(1) if match else line
    return None


def inspect(requirements):
    report = {"python": ".".join(map(str, HERE)), "problems": [],
              # The interpreters the distribution installed, for the refusal's message.
              "available": sorted({os.path.basename(path) for path in glob.glob("/usr/bin/python3.[0-9]*")
                                   if re.fullmatch(r"python3\.[0-9]+", os.path.basename(path))})}
    try:
        with open(requirements, "rb") as handle:
            report["requirements"] = {"exists": True, "checksum": hashlib.sha256(handle.read()).hexdigest()}
    except FileNotFoundError:
        report["requirements"] = {"exists": False, "checksum": ""}
    if os.path.isfile("pyproject.toml"):
        with open("pyproject.toml", encoding="utf-8") as handle:
            spec = requires_python(handle.read())
        report["requires_python"] = spec
        if spec:
            try:
                ok = all(satisfies(clause) for clause in spec.split(",") if clause.strip())
            except ValueError as error:
                report["problems"].append(f"pyproject.toml's requires-python {spec!r} has a clause this check cannot read: {error}")
            else:
                if not ok:
                    report["problems"].append(f"pyproject.toml asks for requires-python {spec!r}")
    if os.path.isfile(".python-version"):
        with open(".python-version", encoding="utf-8") as handle:
            pinned = pinned_version(handle.read())
        report["python_version_file"] = pinned
        if pinned and (not re.fullmatch(r"[0-9]+(\.[0-9]+){0,2}", pinned) or HERE[: len(release(pinned))] != release(pinned)):
            report["problems"].append(f".python-version asks for {pinned}")
    return report


if __name__ == "__main__":
    print(json.dumps(inspect(sys.argv[1])))
