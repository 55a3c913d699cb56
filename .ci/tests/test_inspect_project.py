"""What a project asks for to install it, and the interpreter and installer chosen
for it (roles/django_app/files/inspect_project.py): the project's files read from a
directory (the controller's local source) or a commit (git), the Python asked for
against real interpreters (this test's own, and stand-ins that report another
version), and the refusals the release build shows before anything is unpacked."""

import hashlib
import json
import pathlib
import subprocess
import sys

import pytest

FILES = pathlib.Path(__file__).resolve().parents[2] / "roles" / "django_app" / "files"
SCRIPT = FILES / "inspect_project.py"
sys.path.insert(0, str(FILES))
import inspect_project  # noqa: E402

MAJOR, MINOR, MICRO = sys.version_info[:3]
HERE = f"{MAJOR}.{MINOR}"


def project(tmp_path, pyproject=None, python_version=None, requirements="Django==5.2\n", lock=None):
    if requirements is not None:
        (tmp_path / "requirements.txt").write_text(requirements)
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\nrequires-python = "{pyproject}"\n')
    if python_version is not None:
        (tmp_path / ".python-version").write_text(python_version)
    if lock is not None:
        (tmp_path / "uv.lock").write_text(lock)
    return inspect_project.describe(inspect_project.dir_reader(str(tmp_path)), "requirements.txt")


def choose(tmp_path, python=sys.executable, installer="auto", **files):
    return inspect_project.choose(project(tmp_path, **files), python, installer)


def stand_in(tmp_path, version):
    """An executable that answers the version probe as Python `version` would."""
    path = tmp_path / f"python{version}"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return str(path)


def test_the_requirements_checksum_and_this_python(tmp_path):
    report = choose(tmp_path)
    assert report["checksum"] == hashlib.sha256(b"Django==5.2\n").hexdigest()
    assert report["python"] == sys.executable and report["python_version"] == f"{MAJOR}.{MINOR}.{MICRO}"
    assert report["installer"] == "pip" and report["problems"] == []


def test_an_included_requirements_file_changes_the_checksum(tmp_path):
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("Django==5.2\n")
    first = project(tmp_path, requirements=None)
    (tmp_path / "requirements.txt").write_text("-r requirements/base.txt\n-c constraints.txt\n")
    (tmp_path / "constraints.txt").write_text("sqlparse<1\n")
    first = inspect_project.describe(inspect_project.dir_reader(str(tmp_path)), "requirements.txt")
    (tmp_path / "requirements" / "base.txt").write_text("Django==5.2.1\n")
    second = inspect_project.describe(inspect_project.dir_reader(str(tmp_path)), "requirements.txt")
    assert first["requirements"]["files"] == ["requirements.txt", "requirements/base.txt", "constraints.txt"]
    assert first["requirements"]["checksum"] != second["requirements"]["checksum"]


def test_a_missing_requirements_file_is_refused_naming_it(tmp_path):
    report = choose(tmp_path, requirements=None)
    assert report["problems"] == ["requirements.txt not found at the top of the repository; set "
                                  "django_app_requirements_file (relative to the top, e.g. requirements/production.txt)."]


def test_a_uv_lock_is_installed_with_uv_and_its_checksum_covers_pyproject(tmp_path):
    report = choose(tmp_path, requirements=None, lock="version = 1\n", pyproject=f">={HERE}")
    assert report["installer"] == "uv-sync" and report["problems"] == []
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "y"\n')
    assert choose(tmp_path, requirements=None)["checksum"] != report["checksum"]


@pytest.mark.parametrize("installer, files, expected, problem", [
    ("auto", {"lock": "x"}, "uv-sync", None),
    ("uv", {"lock": "x"}, "uv-sync", None),
    ("uv", {}, "uv-pip", None),
    ("pip", {"lock": "x"}, "pip", None),
    ("pip", {"lock": "x", "requirements": None}, "pip", "It has a uv.lock: set django_app_installer to auto or uv"),
    ("uv", {"requirements": None}, "uv-pip", "neither uv.lock nor requirements.txt"),
])
def test_the_installer(tmp_path, installer, files, expected, problem):
    report = choose(tmp_path, installer=installer, **files)
    assert report["installer"] == expected
    assert (problem is None and report["problems"] == []) or problem in report["problems"][0]


@pytest.mark.parametrize("spec", [
    f">={HERE}", f">={MAJOR}.{MINOR - 1},<{MAJOR}.{MINOR + 1}", f"=={HERE}.*", f"~={HERE}", f"~={MAJOR}.{MINOR - 1}",
    f"!={MAJOR}.{MINOR + 1}.0", f">={HERE}.0, <4", f">= {MAJOR}.{MINOR - 2}", f"=={HERE}.{MICRO}",
])
def test_a_requires_python_this_interpreter_meets(tmp_path, spec):
    assert choose(tmp_path, pyproject=spec)["problems"] == []


@pytest.mark.parametrize("spec", [
    f">={MAJOR}.{MINOR + 1}", f"<{HERE}", f"=={MAJOR}.{MINOR + 1}.*", f"~={MAJOR}.{MINOR + 1}", f">=3.8,<{HERE}",
    f"~={HERE}.{MICRO + 1}", f"!={HERE}.*", f"=={MAJOR}.{MINOR}.{MICRO + 1}",
])
def test_a_requires_python_this_interpreter_does_not_meet(tmp_path, spec):
    assert choose(tmp_path, pyproject=spec)["problems"] == [f"pyproject.toml asks for requires-python {spec!r}"]


def test_an_unreadable_clause_is_a_problem_naming_it(tmp_path):
    problems = choose(tmp_path, pyproject=">=three")["problems"]
    assert len(problems) == 1 and "cannot read" in problems[0] and ">=three" in problems[0]


@pytest.mark.parametrize("pinned", [HERE, f"{HERE}.{MICRO}", f"cpython-{HERE}", f"cpython@{HERE}", f"# uv\n{HERE}\n"])
def test_a_python_version_file_this_interpreter_matches(tmp_path, pinned):
    assert choose(tmp_path, python_version=pinned)["problems"] == []


@pytest.mark.parametrize("pinned, shown", [
    (f"{MAJOR}.{MINOR + 3}", f"{MAJOR}.{MINOR + 3}"), (f"{HERE}.{MICRO + 1}", f"{HERE}.{MICRO + 1}"),
    ("pypy3.10", "pypy3.10"), (f"cpython-{MAJOR}.{MINOR + 3}", f"{MAJOR}.{MINOR + 3}"),
])
def test_a_python_version_file_asking_for_another(tmp_path, pinned, shown):
    assert choose(tmp_path, python_version=pinned)["problems"] == [f".python-version asks for {shown}"]


def test_both_files_are_reported_together(tmp_path):
    report = choose(tmp_path, pyproject=f">={MAJOR}.{MINOR + 1}", python_version=f"{MAJOR}.{MINOR + 3}")
    assert len(report["problems"]) == 2
    assert report["asks"]["requires_python"] == f">={MAJOR}.{MINOR + 1}"
    assert report["asks"]["python_version_file"] == f"{MAJOR}.{MINOR + 3}"


def test_auto_takes_the_first_interpreter_that_satisfies_the_project(tmp_path):
    newer = stand_in(tmp_path, "3.99.1")
    asks = project(tmp_path, pyproject=">=3.99")
    report = inspect_project.choose(asks, "auto", "auto", True, [sys.executable, newer])
    assert report["python"] == newer and report["python_version"] == "3.99.1" and report["problems"] == []
    # Asking for nothing keeps the first (the distribution's python3).
    report = inspect_project.choose(project(tmp_path / "..", requirements="x\n"), "auto", "auto", True, [sys.executable, newer])
    assert report["python"] == sys.executable


def test_auto_refuses_when_no_interpreter_satisfies_and_lists_them(tmp_path):
    older = stand_in(tmp_path, "3.9.2")
    report = inspect_project.choose(project(tmp_path, python_version="3.98"), "auto", "auto", True, [sys.executable, older])
    assert report["problems"] == [".python-version asks for 3.98"]
    assert report["available"] == [f"{pathlib.Path(sys.executable).name} ({MAJOR}.{MINOR}.{MICRO})", "python3.9.2 (3.9.2)"]


def test_a_python_that_does_not_run_is_refused(tmp_path):
    report = choose(tmp_path, python=str(tmp_path / "nope"))
    assert report["problems"] == [f"django_app_python {tmp_path / 'nope'} does not run on this host"]


def test_the_host_mode_reads_a_commit_of_a_bare_repository(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "uv.lock").write_text("version = 1\n")
    (work / ".python-version").write_text("3.98\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    subprocess.run([*git, "-C", str(work), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(work), "commit", "-qm", "one"], check=True)
    rev = subprocess.run(["git", "-C", str(work), "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    args = {"source": {"git_dir": str(work / ".git"), "rev": rev}, "requirements_file": "requirements.txt",
            "python": sys.executable, "installer": "auto", "check": True}
    shown = subprocess.run([sys.executable, "-c", SCRIPT.read_text(), json.dumps(args)], capture_output=True, text=True, check=True)
    report = json.loads(shown.stdout)
    assert report["installer"] == "uv-sync" and report["problems"] == [".python-version asks for 3.98"]
    assert not report["asks"]["requirements"]["exists"]


def test_an_interpreter_under_two_names_is_probed_once_and_listed_by_its_versioned_name(tmp_path):
    versioned = tmp_path / f"python{HERE}"
    versioned.symlink_to(sys.executable)
    default = tmp_path / "python3"
    default.symlink_to(versioned)
    report = inspect_project.choose(project(tmp_path, python_version="3.98"), "auto", "auto", True,
                                    [str(default), str(versioned)])
    assert report["available"] == [f"python{HERE} ({MAJOR}.{MINOR}.{MICRO})"]


def test_a_python3_with_no_versioned_twin_is_still_listed(tmp_path):
    # CI's virtualenv python3 links to pyenv's interpreter, which is not among the candidates.
    alone = tmp_path / "bin" / "python3"
    alone.parent.mkdir()
    alone.write_text("#!/bin/sh\necho 3.10.4\n")
    alone.chmod(0o755)
    older = stand_in(tmp_path, "3.9.2")
    report = inspect_project.choose(project(tmp_path, python_version="3.98"), "auto", "auto", True, [str(alone), older])
    assert report["available"] == ["python3 (3.10.4)", "python3.9.2 (3.9.2)"]
