"""The release build's project inspection (roles/django_app/files/inspect_project.py):
the requirements' checksum, and the Python the project asks for against the
interpreter that runs it (this test's own, so the cases are written around it)."""

import hashlib
import json
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "roles" / "django_app" / "files" / "inspect_project.py"
MAJOR, MINOR, MICRO = sys.version_info[:3]
HERE = f"{MAJOR}.{MINOR}"


def inspect(tmp_path, pyproject=None, python_version=None, requirements="Django==5.2\n"):
    if requirements is not None:
        (tmp_path / "requirements.txt").write_text(requirements)
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\nrequires-python = "{pyproject}"\n')
    if python_version is not None:
        (tmp_path / ".python-version").write_text(python_version)
    result = subprocess.run([sys.executable, "-c", SCRIPT.read_text(), "requirements.txt"], cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_the_requirements_checksum_and_this_python(tmp_path):
    report = inspect(tmp_path)
    assert report["requirements"] == {"exists": True, "checksum": hashlib.sha256(b"Django==5.2\n").hexdigest()}
    assert report["python"] == f"{MAJOR}.{MINOR}.{MICRO}"
    assert report["problems"] == []
    # This machine's Debian interpreter is among those listed.
    assert "python3.11" in report["available"] or not pathlib.Path("/usr/bin/python3.11").exists()
    assert all(name.startswith("python3.") and name[8:].isdigit() for name in report["available"])


def test_a_missing_requirements_file_is_reported_not_raised(tmp_path):
    assert inspect(tmp_path, requirements=None)["requirements"] == {"exists": False, "checksum": ""}


@pytest.mark.parametrize("spec", [
    f">={HERE}", f">={MAJOR}.{MINOR - 1},<{MAJOR}.{MINOR + 1}", f"=={HERE}.*", f"~={HERE}", f"~={MAJOR}.{MINOR - 1}",
    f"!={MAJOR}.{MINOR + 1}.0", f">={HERE}.0, <4", f">= {MAJOR}.{MINOR - 2}", f"=={HERE}.{MICRO}",
])
def test_a_requires_python_this_interpreter_meets(tmp_path, spec):
    assert inspect(tmp_path, pyproject=spec)["problems"] == []


@pytest.mark.parametrize("spec", [
    f">={MAJOR}.{MINOR + 1}", f"<{HERE}", f"=={MAJOR}.{MINOR + 1}.*", f"~={MAJOR}.{MINOR + 1}", f">=3.8,<{HERE}",
    f"~={HERE}.{MICRO + 1}", f"!={HERE}.*", f"=={MAJOR}.{MINOR}.{MICRO + 1}",
])
def test_a_requires_python_this_interpreter_does_not_meet(tmp_path, spec):
    assert inspect(tmp_path, pyproject=spec)["problems"] == [f"pyproject.toml asks for requires-python {spec!r}"]


def test_an_unreadable_clause_is_a_problem_naming_it(tmp_path):
    problems = inspect(tmp_path, pyproject=">=three")["problems"]
    assert len(problems) == 1 and "cannot read" in problems[0] and ">=three" in problems[0]


@pytest.mark.parametrize("pinned", [HERE, f"{HERE}.{MICRO}", f"cpython-{HERE}", f"cpython@{HERE}", f"# uv\n{HERE}\n"])
def test_a_python_version_file_this_interpreter_matches(tmp_path, pinned):
    assert inspect(tmp_path, python_version=pinned)["problems"] == []


@pytest.mark.parametrize("pinned, shown", [
    (f"{MAJOR}.{MINOR + 3}", f"{MAJOR}.{MINOR + 3}"), (f"{HERE}.{MICRO + 1}", f"{HERE}.{MICRO + 1}"),
    ("pypy3.10", "pypy3.10"), (f"cpython-{MAJOR}.{MINOR + 3}", f"{MAJOR}.{MINOR + 3}"),
])
def test_a_python_version_file_asking_for_another(tmp_path, pinned, shown):
    assert inspect(tmp_path, python_version=pinned)["problems"] == [f".python-version asks for {shown}"]


def test_both_files_are_reported_together(tmp_path):
    report = inspect(tmp_path, pyproject=f">={MAJOR}.{MINOR + 1}", python_version=f"{MAJOR}.{MINOR + 3}")
    assert len(report["problems"]) == 2
    assert report["requires_python"] == f">={MAJOR}.{MINOR + 1}"
    assert report["python_version_file"] == f"{MAJOR}.{MINOR + 3}"
