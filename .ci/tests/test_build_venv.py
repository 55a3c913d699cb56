"""roles/django_app/files/build_venv.py: the virtualenv of a requirements file in one host
process. The wheels are built once per wheelhouse (its .complete marker written only after
pip built them all), the install is offline from the wheelhouse, everything installed is
byte-compiled, and a failed step is named on the last line of stderr with pip's output
before it. Offline: the only requirement is a wheel made here, found through PIP_FIND_LINKS."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "roles/django_app/files/build_venv.py"


def make_wheel(directory, name="tinypkg", version="1.0"):
    files = {
        f"{name}/__init__.py": "VALUE = 42\n",
        f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{name}-{version}.dist-info/RECORD,,")
    files[f"{name}-{version}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture()
def project(tmp_path):
    links = tmp_path / "links"
    links.mkdir()
    make_wheel(links)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tinypkg==1.0\n")
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(links), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return tmp_path, requirements, env


def build(tmp_path, requirements, env, venv="venv"):
    args = {"venv": str(tmp_path / venv), "wheelhouse": str(tmp_path / "wheels"), "requirements": str(requirements)}
    return subprocess.run([sys.executable, str(SCRIPT), json.dumps(args)], capture_output=True, text=True,
                          env=env, check=False, timeout=300)


def test_builds_the_wheelhouse_then_reuses_it(project):
    tmp_path, requirements, env = project
    first = build(tmp_path, requirements, env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["wheels_reused"] is False and "building the wheels" in report
    assert (tmp_path / "wheels/.complete").exists()
    assert (tmp_path / "wheels/tinypkg-1.0-py3-none-any.whl").exists()
    python = tmp_path / "venv/bin/python"
    assert subprocess.run([python, "-c", "import tinypkg; print(tinypkg.VALUE)"],
                          capture_output=True, text=True, check=True).stdout == "42\n"
    # Installed with --no-compile, then compiled by compileall.
    assert list((tmp_path / "venv/lib").glob("python*/site-packages/tinypkg/__pycache__/__init__.*.pyc"))

    # A second virtualenv for the same requirements builds no wheel: the link
    # directory is gone, so only the wheelhouse can satisfy the install.
    (tmp_path / "links/tinypkg-1.0-py3-none-any.whl").unlink()
    second = build(tmp_path, requirements, env, venv="venv2")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["wheels_reused"] is True and "building the wheels" not in report
    assert (tmp_path / "venv2/bin/python").exists()


def test_a_requirement_that_cannot_be_found_names_the_step(project):
    tmp_path, requirements, env = project
    requirements.write_text("tinypkg==1.0\ndjangoops-no-such-package==0.0.0\n")
    result = build(tmp_path, requirements, env)
    assert result.returncode == 1
    assert "djangoops-no-such-package" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("djangoops: building the wheels failed (exit 1)")
    assert not (tmp_path / "wheels/.complete").exists()


def test_an_incomplete_wheelhouse_is_not_trusted_for_the_install(project):
    """A wheelhouse without its marker (a run stopped mid-build) is built again."""
    tmp_path, requirements, env = project
    (tmp_path / "wheels").mkdir()
    result = build(tmp_path, requirements, env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["wheels_reused"] is False
    assert (tmp_path / "wheels/.complete").exists()


def test_an_install_failure_is_named(project):
    """A complete wheelhouse that lacks a requirement fails at the offline install."""
    tmp_path, requirements, env = project
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels/.complete").touch()
    (tmp_path / "links/tinypkg-1.0-py3-none-any.whl").unlink()
    result = build(tmp_path, requirements, env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("djangoops: installing from the wheelhouse failed")
