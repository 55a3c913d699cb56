#!/bin/bash
# pitr_rpo SECONDS DATA_DIR ARCHIVE_DIR OUT: writes rows into rpo_probe for
# SECONDS while sampling, every second, the age of the newest WAL segment in the
# repository's archive (what a lost disk would lose at most); then kills the
# postmaster with SIGKILL mid-write. Writes to OUT: the kill's time, the newest
# archived segment's time then, the largest age seen, the samples taken, and the
# number of rows the server acknowledged (their ids in OUT.acked).
set -uo pipefail
seconds=$1 data=$2 archive=$3 out=$4
newest() { find "$archive" -type f -name '0000000*' -printf '%T@\n' | sort -n | tail -1; }
pitr_writer $(( seconds + 30 )) "$out.acked" rpo_probe 2> /dev/null &
writer=$!
max=0 samples=0
end=$(( $(date +%s) + seconds ))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 1
  age=$(awk -v now="$(date +%s.%N)" -v t="$(newest)" 'BEGIN {printf "%.1f", now - t}')
  max=$(awk -v a="$age" -v m="$max" 'BEGIN {print (a > m) ? a : m}')
  samples=$(( samples + 1 ))
done
at_kill=$(newest)
kill -9 "$(head -1 "$data/postmaster.pid")"
killed=$(date +%s.%N)
wait "$writer"
echo "$killed $at_kill $max $samples $(wc -l < "$out.acked")" > "$out"
