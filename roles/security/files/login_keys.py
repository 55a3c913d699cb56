"""What sshd would do for the account Ansible logs in with (the guard: tasks/guard.yml finds
the login, tasks/install.yml's read runs this), in one call:
its effective settings for that user (sshd -T) and, for each AuthorizedKeysFile, the
expanded path and its size (-1 when there is none).

Arguments: the user and its home directory. Prints JSON {"sshd_t", "keyfiles"}; when
sshd -T fails, its error on stderr and its exit status.
"""
import json
import os
import re
import subprocess
import sys

def expand(pattern, user, home):
    """sshd_config(5) TOKENS for AuthorizedKeysFile: %% %h %u; a relative path is under the home."""
    tokens = {"%": "%", "h": home, "u": user}
    path = re.sub(r"%(.)", lambda token: tokens.get(token.group(1), token.group(0)), pattern)
    return path if path.startswith("/") else os.path.join(home, path)


def main():
    user, home = sys.argv[1:3]
    try:
        proc = subprocess.run(["sshd", "-T", "-C", f"user={user},host=localhost,addr=127.0.0.1"],
                              capture_output=True, text=True, check=False)
    except FileNotFoundError:
        sys.stderr.write("sshd is not installed, yet Ansible logs in over SSH: is the SSH server another one?\n")
        return 127
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return proc.returncode
    patterns = next((line.split()[1:] for line in proc.stdout.splitlines() if line.startswith("authorizedkeysfile ")), [])
    keyfiles = []
    for pattern in patterns:
        path = expand(pattern, user, home)
        try:
            size = os.stat(path).st_size
        except OSError:
            size = -1
        keyfiles.append({"path": path, "size": size})
    print(json.dumps({"sshd_t": proc.stdout, "keyfiles": keyfiles}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
