#!/bin/bash
# pitr_writer SECONDS ACKED [TABLE]: writes one row a tenth of a second into
# TABLE (default pitr_probe, database $PITR_DATABASE or django) for SECONDS, each
# in its own transaction, and appends the id of every row the server
# acknowledged (committed) to ACKED; PITR_INTERVAL sets the pause between rows
# (seconds, 0: as fast as one session goes). Run as root on the database host.
set -uo pipefail
seconds=$1 acked=$2 table=${3:-pitr_probe}
: > "$acked"
end=$(( $(date +%s) + seconds ))
while [ "$(date +%s)" -lt "$end" ]; do
  echo "INSERT INTO $table (payload) VALUES (md5(random()::text)) RETURNING id;"
  sleep "${PITR_INTERVAL:-0.1}"
done | runuser -u postgres -- psql -AtqX -d "${PITR_DATABASE:-django}" >> "$acked"
