"""What a project asks for to install it, and the interpreter and installer that give it.

Two halves, one file (standard library only, Python 3.8+: no tomllib before 3.11,
so requires-python is read with a pattern):

- describe(read, requirements_file): from the project's files only, what it asks
  for: requires-python (pyproject.toml), .python-version, the requirements file's
  checksum (with the files it includes with -r / -c), uv.lock's checksum (with
  pyproject.toml, which `uv sync --locked` checks it against). On the controller,
  pack_source.py calls it on the local directory; on the host, it reads a commit
  of the bare repository with `git show`. Nothing is unpacked for it, so a
  refusal changes nothing on the host.
- choose(asks, python, installer, check, candidates): on the host, the
  interpreter (django_app_python, or with "auto" the distribution's python3 or
  the newest /usr/bin/python3.N that satisfies the project) and the installer
  (uv for a uv.lock, pip for a requirements file, unless one is forced), and the
  problems that refuse the release before anything is built.

On the host (the release build runs it with the system python3):
    python3 -c "<this file>" '{"source": {"git_dir": ..., "rev": ...} | "asks": {...},
                               "requirements_file": ..., "python": ..., "installer": ..., "check": true,
                               "venvs_dir": ..., "marker": ...}'
prints one JSON line, with the virtualenv's key and whether it is finished.
"""
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

VERSION_CODE = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


def release(text):
    """'3.12.1' -> (3, 12, 1); '3.12' -> (3, 12)."""
    return tuple(int(part) for part in text.split("."))


def satisfies(here, clause):
    """One PEP 440 clause against version `here`: >=3.12, <3.14, ==3.12.*, ~=3.11, !=3.12.0."""
    match = re.fullmatch(r"\s*(~=|===|==|!=|<=|>=|<|>)\s*([0-9]+(?:\.[0-9]+)*)(\.\*)?\s*", clause)
    if not match:
        raise ValueError(clause)
    op, version, star = match.group(1), release(match.group(2)), match.group(3)
    # 3.12.* compares the leading parts; otherwise the shorter side is zero-padded (PEP 440).
    mine = here[: len(version)] if star else here
    padded = version + (0,) * (len(mine) - len(version))
    if op in ("==", "==="):
        return mine == padded
    if op == "!=":
        return mine != padded
    if op == "~=":
        return here >= version + (0,) * (3 - len(version)) and here[: len(version) - 1] == version[:-1]
    return {">=": here >= padded, "<=": here <= padded, ">": here > padded, "<": here < padded}[op]


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


def dir_reader(top):
    def read(name):
        try:
            with open(os.path.join(top, name), "rb") as handle:
                return handle.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
    return read


def git_reader(git_dir, rev):
    def read(name):
        shown = subprocess.run(["git", "--git-dir", git_dir, "show", f"{rev}:{os.path.normpath(name)}"],
                               capture_output=True)
        return shown.stdout if shown.returncode == 0 else None
    return read


INCLUDE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)", re.MULTILINE)


def requirements_checksum(read, name):
    """SHA-256 of the requirements file; with the files it includes (-r, -c) when it has any,
    so a change in requirements/base.txt makes a new virtualenv too."""
    top = read(name)
    if top is None:
        return {"exists": False, "checksum": "", "files": []}
    digest, files, queue, seen = hashlib.sha256(top), [name], [(name, top)], {os.path.normpath(name)}
    while queue:
        current, content = queue.pop(0)
        for found in INCLUDE.findall(content.decode("utf-8", "replace")):
            path = os.path.normpath(os.path.join(os.path.dirname(current), found))
            if path in seen:
                continue
            seen.add(path)
            data = read(path)
            if data is None:
                continue  # pip names the missing file when it installs
            files.append(path)
            digest.update(b"\0" + path.encode() + b"\0" + data)
            queue.append((path, data))
    checksum = digest.hexdigest() if len(files) > 1 else hashlib.sha256(top).hexdigest()
    return {"exists": True, "checksum": checksum, "files": files}


def describe(read, requirements_file):
    """What the project's files ask for (no interpreter needed)."""
    pyproject, lock, pinned = read("pyproject.toml"), read("uv.lock"), read(".python-version")
    asks = {"requirements_file": requirements_file, "requirements": requirements_checksum(read, requirements_file),
            "requires_python": requires_python(pyproject.decode("utf-8", "replace")) if pyproject else None,
            "python_version_file": pinned_version(pinned.decode("utf-8", "replace")) if pinned else None,
            "uv_lock": {"exists": lock is not None, "checksum": ""}}
    if lock is not None:
        asks["uv_lock"]["checksum"] = hashlib.sha256(lock + b"\0" + (pyproject or b"")).hexdigest()
    return asks


def unmet(asks, version):
    """What of the project's asks interpreter `version` (a tuple) does not meet, one line each."""
    problems = []
    spec = asks.get("requires_python")
    if spec:
        try:
            ok = all(satisfies(version, clause) for clause in spec.split(",") if clause.strip())
        except ValueError as error:
            problems.append(f"pyproject.toml's requires-python {spec!r} has a clause this check cannot read: {error}")
        else:
            if not ok:
                problems.append(f"pyproject.toml asks for requires-python {spec!r}")
    pinned = asks.get("python_version_file")
    if pinned and (not re.fullmatch(r"[0-9]+(\.[0-9]+){0,2}", pinned) or version[: len(release(pinned))] != release(pinned)):
        problems.append(f".python-version asks for {pinned}")
    return problems


def host_candidates():
    """The distribution's python3 first, then every /usr/bin and /usr/local/bin python3.N, newest first."""
    found = glob.glob("/usr/bin/python3.[0-9]*") + glob.glob("/usr/local/bin/python3.[0-9]*")
    named = [path for path in found if re.fullmatch(r"python3\.[0-9]+", os.path.basename(path))]
    named.sort(key=lambda path: (int(os.path.basename(path)[8:]), path.startswith("/usr/bin")), reverse=True)
    return ["/usr/bin/python3"] + named


def interpreter_version(path):
    try:
        shown = subprocess.run([path, "-c", VERSION_CODE], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return release(shown.stdout.strip()) if shown.returncode == 0 and shown.stdout.strip() else None


def choose_installer(asks, installer):
    """('uv-sync' | 'uv-pip' | 'pip', problem or None)."""
    has_lock, has_requirements = asks["uv_lock"]["exists"], asks["requirements"]["exists"]
    name = asks["requirements_file"]
    if installer == "pip" or (installer == "auto" and not has_lock):
        if has_requirements:
            return "pip", None
        hint = (" It has a uv.lock: set django_app_installer to auto or uv to install it with uv."
                if has_lock else "")
        return "pip", (f"{name} not found at the top of the repository; set django_app_requirements_file "
                       f"(relative to the top, e.g. requirements/production.txt).{hint}")
    if has_lock:
        return "uv-sync", None
    if has_requirements:
        return "uv-pip", None
    return "uv-pip", (f"neither uv.lock nor {name} is at the top of the repository; "
                      "set django_app_requirements_file (relative to the top) or commit uv.lock.")


def choose(asks, python="auto", installer="auto", check=True, candidates=None):
    """The interpreter and installer for this project on this host, and what refuses it."""
    candidates = host_candidates() if candidates is None else candidates
    # One probe per interpreter: python3 and python3.11 are often the same file.
    probed, versions, names = {}, [], []
    for path in ([python] if python != "auto" else candidates):
        real = os.path.realpath(path)
        if real not in probed:
            probed[real] = interpreter_version(path)
            versions.append((path, probed[real]))
        names.append((path, real, probed[real]))
    # Each interpreter once, by its versioned name when it has one (python3 -> python3.11).
    listed = {}
    for path, real, version in names:
        if version and (real not in listed or os.path.basename(path) != "python3"):
            listed[real] = f"{os.path.basename(path)} ({'.'.join(map(str, version))})"
    mode, problem = choose_installer(asks, installer)
    report = {"installer": mode, "asks": asks, "problems": [problem] if problem else [],
              "available": list(listed.values())}
    report["checksum"] = asks["uv_lock"]["checksum"] if mode == "uv-sync" else asks["requirements"]["checksum"]
    usable = [(path, version) for path, version in versions if version]
    if python != "auto":
        version = usable[0][1] if usable else None
        report.update(python=python, python_version=".".join(map(str, version)) if version else "")
        if version is None:
            report["problems"].append(f"django_app_python {python} does not run on this host")
        elif check:
            report["problems"].extend(unmet(asks, version))
        return report
    fitting = [(path, version) for path, version in usable if not (check and unmet(asks, version))]
    path, version = (fitting or usable or [("", ())])[0]
    report.update(python=path, python_version=".".join(map(str, version)))
    if not fitting:
        report["problems"].extend(unmet(asks, version) if usable else ["no python3 runs on this host"])
    return report


def venv_key(report):
    """The virtualenv's name: its dependencies' checksum, interpreter and installer
    (a pip virtualenv keeps the key it had before uv was an installer)."""
    suffix = "" if report["installer"] == "pip" else " " + report["installer"]
    return hashlib.sha256(f"{report['checksum']} {report['python']}{suffix}".encode()).hexdigest()[:16]


def main(argv):
    args = json.loads(argv[0])
    if "asks" in args:
        asks = args["asks"]
    else:
        source = args["source"]
        read = git_reader(source["git_dir"], source["rev"]) if "git_dir" in source else dir_reader(source["dir"])
        asks = describe(read, args["requirements_file"])
    report = choose(asks, args.get("python", "auto"), args.get("installer", "auto"), args.get("check", True))
    report["venv_key"] = venv_key(report)
    # Whether that virtualenv is finished (its marker written), with venvs_dir and marker.
    report["venv_finished"] = bool(args.get("venvs_dir")) and os.path.isfile(
        os.path.join(args.get("venvs_dir", ""), report["venv_key"], args.get("marker", "")))
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
