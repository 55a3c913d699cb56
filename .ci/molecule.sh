#!/usr/bin/env bash
# Run one Molecule scenario's full test sequence, keep its log in .ci/logs/, and
# fail if any value from the scenario's group_vars/all/secrets.yml appears in that log.
# Usage: .ci/molecule.sh SCENARIO [molecule test options...]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:?usage: .ci/molecule.sh SCENARIO}
shift
export PATH="$PWD/.venv/bin:$PATH"
# Plain, wide output: nothing wrapped or coloured in the log that is searched below.
export NO_COLOR=1 MOLECULE_NO_COLOR=1 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 COLUMNS=300
mkdir -p .ci/logs
log=.ci/logs/molecule-$scenario.log

start=$(date +%s)
set +e
molecule test --scenario-name "$scenario" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  # CI shows only the end of the output: repeat each failed task and its message there.
  python3 - "$log" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
task, shown = "", 0
print("==> tasks that failed (the full log is in .ci/logs/):")
for i, line in enumerate(lines):
    if line.startswith("TASK ["):
        task = line.split(" ***")[0].strip()
    elif line.startswith(("fatal: ", "failed: ")) and shown < 5:
        body = [line]
        for more in lines[i + 1:i + 40]:
            if not more.startswith(" "):
                break
            body.append(more)
        after = lines[i + len(body)] if i + len(body) < len(lines) else ""
        if "...ignoring" in after:
            continue
        shown += 1
        print(task, *(b[:400] for b in body[:25]), sep="\n  ")
PY
fi
echo "molecule $scenario: exit $rc after $(( $(date +%s) - start )) s" | tee -a "$log"
[ "$rc" -eq 0 ] || exit "$rc"

# A scenario keeps its test secrets in group_vars/all/secrets.yml.
secrets=molecule/$scenario/group_vars/all/secrets.yml
if [ -f "$secrets" ]; then
  python3 - "$secrets" "$log" <<'PY'
import sys, yaml
secrets = {k: str(v) for k, v in (yaml.safe_load(open(sys.argv[1])) or {}).items()}
import re
log = open(sys.argv[2], encoding="utf-8", errors="replace").read()
# Also search the log with line wrapping, box-drawing prefixes and blanks removed,
# so a value split across lines still counts.
joined = re.sub(r"\s+|\u2502", "", log)
leaked = sorted(k for k, v in secrets.items() if v and (v in log or v in joined))
if leaked:
    sys.exit(f"SECRET LEAK: the Ansible output of this scenario shows the value of {', '.join(leaked)}")
print(f"no secret leaked: {len(secrets)} secret values checked against {len(log.splitlines())} log lines")
PY
fi
