"""Filters for the release directories of an app (releases/<timestamp>-<sha>)."""

# Documented in releases_to_prune.yml (ansible-doc -t filter djangoops.deploy.releases_to_prune).

import os

from ansible.errors import AnsibleFilterError


def releases_to_prune(paths, keep, protect=()):
    """The release paths to remove: all but the newest `keep` by name (names start
    with their build time), never one whose name is in `protect` (the live release,
    the one live before this run, the one just built)."""
    try:
        keep = int(keep)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"releases_to_prune: keep must be a whole number, not {keep!r}") from None
    if keep < 1:
        raise AnsibleFilterError(f"releases_to_prune: keep must be at least 1, not {keep}")
    protected = {os.path.basename(str(name).rstrip("/")) for name in protect if name}
    ordered = sorted(str(path) for path in paths)
    return [path for path in ordered[:-keep] if os.path.basename(path.rstrip("/")) not in protected]


class FilterModule:
    def filters(self):
        return {"releases_to_prune": releases_to_prune}
