#!/usr/bin/env bash
# Run Molecule scenarios one after another (the default), or with MOLECULE_LANES=2
# in two lanes: the first scenario in the background, the others one after another
# beside it (the scenarios use their own containers, networks and apt caches).
# `make test` puts apps and trixie in the background lane beside multihost and then default
# (one after another the suite took 98 min on 2 cores, 2026-12-02). default's load
# test waits for the background lane to finish (DJANGOOPS_BACKGROUND_LANE): CPU
# contention there once slowed Gunicorn's worker boot after a HUP past the load
# test's client timeout.
# A first argument "a+b" runs a and then b in the background lane.
# Usage: .ci/scenarios.sh SCENARIO[+SCENARIO...] [SCENARIO...]
set -uo pipefail
cd "$(dirname "$0")/.."
# The runner of one scenario (tests swap in a stand-in).
runner=${DJANGOOPS_SCENARIO_RUNNER:-.ci/molecule.sh}
[ "$#" -gt 0 ] || { echo "usage: $0 SCENARIO..." >&2; exit 2; }

# Runs the scenarios of one lane ("a+b" or "a") one after another.
run_lane() {
  local s
  for s in ${1//+/ }; do bash "$runner" "$s" || return 1; done
}

if [ "${MOLECULE_LANES:-1}" = 1 ] || [ "$#" -eq 1 ]; then
  for s in "$@"; do run_lane "$s" || exit 1; done
  exit 0
fi

mkdir -p .ci/logs
first=$1; shift
echo "==> molecule ${first//+/ then } in the background (logs: .ci/logs/molecule-{${first//+/,}}.log); $* in the foreground"
# Exists while the background lane runs; the foreground scenarios get its path so a
# step that must not share the CPU (default's load test) can wait for it to go.
flag="$PWD/.ci/logs/lane-$first.running"
touch "$flag"
( run_lane "$first" > ".ci/logs/lane-$first.out" 2>&1; status=$?; rm -f "$flag"; exit "$status" ) &
background=$!

rc=0
for s in "$@"; do
  DJANGOOPS_BACKGROUND_LANE="$flag" bash "$runner" "$s" || { rc=1; break; }
done

wait "$background"; first_rc=$?
echo "==> molecule $first (background lane), last lines:"
# A failed run's output ends with its failed tasks (.ci/molecule.sh repeats them there).
tail -n "$([ "$first_rc" -eq 0 ] && echo 20 || echo 150)" ".ci/logs/lane-$first.out"
if [ "$first_rc" -ne 0 ]; then
  echo "==> molecule $first failed (exit $first_rc); the whole logs: .ci/logs/molecule-{${first//+/,}}.log"
  rc=1
fi
exit "$rc"
