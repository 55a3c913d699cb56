#!/usr/bin/env bash
# Websocket reconnect gaps during a redeploy of the demo, with the Daphne drain
# (daphne_drain_on_restart) off and on in alternating rounds, same session.
# Needs `make demo` first. Usage: bench/drain_ab.sh [PAIRS]   (default 2)
# Prints one line per round: gap p50 / max (ms) over every reconnect of 10 clients.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg"
pairs=${1:-2}
port=${DEMO_HTTPS_PORT:-8443}
out=.cache/bench/drain-ab
mkdir -p "$out"
round=0
for _ in $(seq "$pairs"); do
  for drain in false true; do
    round=$((round + 1))
    # bench.py's copy of app/ with a marker file: a new release id each round.
    src=$(python3 -c 'import sys; sys.path.insert(0, "bench"); import bench; print(bench.app_copy(sys.argv[1]))' \
          "drain-ab-$round")
    python bench/ws_bench.py reconnect "wss://djangoops.localhost:$port" --address 127.0.0.1 \
        --cafile .demo/demo-cert.pem --clients 10 --duration 900 --output "$out/ws-$round.json" >/dev/null 2>&1 &
    ws=$!
    sleep 3
    ansible-playbook -i inventories/demo --vault-id demo@.demo/vault-pass -e "djangoops_demo_https_port=$port" \
        -e "django_app_local_path=$src" -e "daphne_drain_on_restart=$drain" djangoops.deploy.deploy \
        > "$out/deploy-$round.log" 2>&1 || { echo "round $round: deploy failed, see $out/deploy-$round.log"; kill "$ws"; exit 1; }
    sleep 3
    kill -INT "$ws"; wait "$ws" || true
    python3 - "$out/ws-$round.json" "$round" "$drain" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"round {sys.argv[2]} drain={sys.argv[3]}: {d['reconnected']}/{d['disconnects']} reconnected, "
      f"gap p50 {d['gap_ms_p50']} ms, max {d['gap_ms_max']} ms, errors {d['errors']}")
PY
  done
done
