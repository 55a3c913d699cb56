"""Packs a local Django project for a release, on the controller, in one call (the
djangoops.deploy.pack_source action calls pack() in its own process; the command line
is the same):
    python3 pack_source.py <cache dir> <project dir> [--requirements=FILE] [--inline-max=BYTES] [--exclude=PATTERN ...]
Prints {"path": ..., "sha256": ..., "size": ..., "asks": ...} as JSON; "asks" is what the
project's files ask for to install it (inspect_project.describe), read here so
the host can refuse a release before anything is unpacked on it. An archive of
at most --inline-max bytes is in "inline" too, base64-encoded, for the module
call that unpacks it (djangoops.deploy.files, state unpacked).

The archive is deterministic (names sorted, times, owners and gzip header fixed),
so the same files always give the same checksum and so the same release id.
Each run packs into its own file: two runs from one controller (staging and
production at once) never read each other's archive. Runs do not remove their
file (with serial batches, later hosts still need it); files of runs older
than a day are removed instead.
"""

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from inspect_project import describe, dir_reader

STALE_AFTER = 24 * 3600


def pack(cache, project, requirements="requirements.txt", inline_max=0, excludes=()):
    """Pack project into a new archive in cache; return what main prints.
    excludes are tar's --exclude=PATTERN arguments."""
    cache = Path(cache)
    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in [*cache.glob("packing-*.tar.gz"), *cache.glob("source.tar.gz")]:
        try:
            if time.time() - stale.stat().st_mtime > STALE_AFTER:
                stale.unlink()
        except FileNotFoundError:  # another run removed it first
            pass
    handle, path = tempfile.mkstemp(prefix="packing-", suffix=".tar.gz", dir=cache)
    os.close(handle)
    tar = subprocess.run(
        ["tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner",
         "--use-compress-program=gzip -n", *excludes, "-cf", path, "-C", str(project), "."],
        capture_output=True, text=True, check=False,
    )
    if tar.returncode != 0:
        os.unlink(path)
        raise RuntimeError(f"packing {project} failed: tar exited {tar.returncode}: {tar.stderr.strip()}")
    digest = hashlib.sha256()
    with open(path, "rb") as archive:
        for block in iter(lambda: archive.read(1 << 20), b""):
            digest.update(block)
    size = os.path.getsize(path)
    packed = {"path": path, "sha256": digest.hexdigest(), "size": size,
              "asks": describe(dir_reader(project), requirements)}
    if size <= inline_max:
        packed["inline"] = base64.b64encode(Path(path).read_bytes()).decode()
    return packed


def main(argv):
    requirements = next((arg.split("=", 1)[1] for arg in argv[2:] if arg.startswith("--requirements=")),
                        "requirements.txt")
    inline_max = int(next((arg.split("=", 1)[1] for arg in argv[2:] if arg.startswith("--inline-max=")), "0"))
    excludes = [arg for arg in argv[2:] if not arg.startswith(("--requirements=", "--inline-max="))]
    print(json.dumps(pack(argv[0], argv[1], requirements, inline_max, excludes)))


if __name__ == "__main__":
    main(sys.argv[1:])
