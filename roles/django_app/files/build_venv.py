"""Build a virtualenv from a requirements file with pip, in one process on the host.

Run by the interpreter the virtualenv is for, under umask 022 (tasks/install_pip.yml).
Argument: JSON {"venv", "wheelhouse", "requirements"}.

1. The virtualenv (python -m venv).
2. The wheels, once per wheelhouse: a wheelhouse is named by the requirements'
   checksum and marked complete by its .complete file, written only after pip
   built every wheel; a later virtualenv for the same requirements reuses it.
3. The requirements installed from the wheelhouse alone (--no-index: offline).
4. Byte-compiled on every CPU. pip compiles each file in turn as it installs; here
   it installs with --no-compile and compileall compiles with one process per CPU.
   As with pip, a file that does not compile is left as source.

Prints a JSON report of what ran and how long each step took. A failed step is named
on the last line of stderr, after pip's own output.
"""
import json
import os
import subprocess
import sys
import time


class StepFailed(Exception):
    pass


def run(step, argv, report):
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    report[step] = round(time.monotonic() - started, 2)
    if proc.returncode != 0:
        raise StepFailed(f"{proc.stdout}{proc.stderr}".rstrip()
                         + f"\ndjangoops: {step} failed (exit {proc.returncode}): {' '.join(argv)}")


def build(venv, wheelhouse, requirements, python=sys.executable):
    report = {}
    venv_python = os.path.join(venv, "bin", "python")
    run("creating the virtualenv", [python, "-m", "venv", venv], report)
    marker = os.path.join(wheelhouse, ".complete")
    report["wheels_reused"] = os.path.exists(marker)
    if not report["wheels_reused"]:
        run("building the wheels", [venv_python, "-m", "pip", "wheel", "--quiet", f"--wheel-dir={wheelhouse}",
                                    f"--requirement={requirements}"], report)
        with open(marker, "a", encoding="utf-8"):
            pass
    run("installing from the wheelhouse", [venv_python, "-m", "pip", "install", "--quiet", "--no-compile", "--no-index",
                                           f"--find-links={wheelhouse}", f"--requirement={requirements}"], report)
    started = time.monotonic()
    subprocess.run([venv_python, "-m", "compileall", "-q", "-j", "0", os.path.join(venv, "lib")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    report["compiling"] = round(time.monotonic() - started, 2)
    return report


def main():
    args = json.loads(sys.argv[1])
    try:
        report = build(args["venv"], args["wheelhouse"], args["requirements"])
    except StepFailed as failure:
        sys.stderr.write(f"{failure}\n")
        return 1
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
