#!/usr/bin/env bash
# `make bench`: measure the demo stack and write docs/benchmarks.md.
#   bench/run.sh                          every section
#   bench/run.sh --sections proxy,static  some of them (the others keep their last figures)
#   bench/run.sh --report-only            rewrite docs/benchmarks.md from the last results
# Sections: deploy (a separate container, djangoops-bench), zero_downtime, proxy,
# static, websockets (against djangoops-demo, started with `make demo` if needed).
# Results: bench/results.json (tracked); logs in .cache/bench/; each load is bounded in time and runs on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Load generators: hey (HTTP under a redeploy), curl (the same client for the
# proxy and static comparisons), unshare (a private /etc/hosts for hey).
missing=()
for tool in hey curl unshare; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  packages=("${missing[@]/unshare/util-linux}")
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# The controller venv has ansible and the websockets client.
[ -x .venv/bin/python ] || make setup

case " $* " in
  *" --report-only "*) ;;
  *)
    if ! $sudo podman container exists djangoops-demo \
        || [ "$($sudo podman inspect -f '{{.State.Running}}' djangoops-demo)" != true ] \
        || [ ! -s .demo/demo-cert.pem ] \
        || ! curl -fsS -o /dev/null --max-time 10 --cacert .demo/demo-cert.pem \
             --resolve "djangoops.localhost:${DEMO_HTTPS_PORT:-8443}:127.0.0.1" \
             "https://djangoops.localhost:${DEMO_HTTPS_PORT:-8443}/readiness/"; then
      log "the demo is not answering: make demo"
      bash .ci/demo.sh up
    fi
    ;;
esac

exec $sudo env "PATH=$PATH" "ANSIBLE_CONFIG=$ANSIBLE_CONFIG" .venv/bin/python bench/bench.py "$@"
