#!/bin/bash
# restart_window UNIT URL...: asks for URL (curl arguments) every 0.1 s while
# UNIT restarts, and prints: how long the restart took, the requests that did
# not get a 200 and all requests, and how many seconds after the restart had
# returned the last of them came (0.00 when none failed).
set -uo pipefail
unit=$1; shift
out=$(mktemp)
( while :; do echo "$(date +%s.%N) $(curl -s -o /dev/null -m 5 -w '%{http_code}' "$@")" >> "$out"; sleep 0.1; done ) &
loop=$!
sleep 2
a=$(date +%s.%N); systemctl restart "$unit"; b=$(date +%s.%N)
sleep 20
kill "$loop"; wait "$loop" 2>/dev/null
awk -v a="$a" -v b="$b" '$2 != 200 {n++; last=$1} END {printf "%.2f %d %d %.2f\n", b - a, n, NR, (n ? last - b : 0)}' "$out"
rm -f "$out"
