#!/usr/bin/env bash
# Smoke test of the container runtime `make setup` installed, run as root:
# create a network, start a container from IMAGE on it with a port published on
# 127.0.0.1, fetch a page through that port, remove both. On failure it prints
# one line: the step, podman's own error, and the Debian package that is missing
# when one is (the commands podman and netavark call but do not depend on).
# Usage: runtime-smoke.sh IMAGE
set -uo pipefail
image=${1:?usage: runtime-smoke.sh IMAGE}
name=djangoops-smoke-$$

cleanup() {
  podman rm --force --ignore --time 0 "$name" >/dev/null 2>&1
  podman network rm --force "$name" >/dev/null 2>&1
}
trap cleanup EXIT

# command the runtime calls -> the package that provides it
declare -A providers=([iptables]=iptables [runc]=runc [/usr/lib/podman/netavark]=netavark
                      [/usr/lib/podman/aardvark-dns]=aardvark-dns [curl]=curl)
fail() {
  local step=$1 err=$2 missing=() cmd
  for cmd in "${!providers[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${providers[$cmd]}")
  done
  err=$(printf '%s\n' "$err" | grep -v '^\s*$' | tail -n 1)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: the container runtime does not work ($step: $err): missing Debian package(s) ${missing[*]}; install them with apt-get install ${missing[*]}" >&2
  else
    echo "setup: the container runtime does not work ($step: $err)" >&2
  fi
  exit 1
}

err=$(podman network create "$name" 2>&1 >/dev/null) || fail "podman network create" "$err"
err=$(podman run --detach --name "$name" --runtime=runc --network "$name" \
        --ulimit nofile=16384:16384 --ulimit nproc=8192:8192 \
        --publish 127.0.0.1::8000 "$image" \
        python3 -m http.server 8000 2>&1 >/dev/null) || fail "podman run --publish" "$err"
port=$(podman port "$name" 8000/tcp 2>&1) || fail "podman port" "$port"
port=${port##*:}
reached=""
for _ in $(seq 1 50); do
  curl --silent --fail --max-time 2 --output /dev/null "http://127.0.0.1:$port/" && { reached=1; break; }
  sleep 0.2
done
[ -n "$reached" ] || fail "request to the published port 127.0.0.1:$port" \
  "$(podman logs --tail 3 "$name" 2>&1; curl -sS --max-time 2 "http://127.0.0.1:$port/" 2>&1 >/dev/null)"
# The test hosts find each other by name on their network (the DNS plugin).
err=$(podman run --rm --runtime=runc --network "$name" \
        --ulimit nofile=16384:16384 --ulimit nproc=8192:8192 "$image" \
        python3 -c "import socket, urllib.request; urllib.request.urlopen('http://$name:8000/', timeout=5)" 2>&1) ||
  fail "name resolution between containers on a podman network" "$err"
echo "container runtime works: network with name resolution, container from $image, published port 127.0.0.1:$port"
