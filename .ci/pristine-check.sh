#!/usr/bin/env bash
# `make pristine-check`: the README's first commands on a pristine Debian 12 system
# instead of this machine, whose earlier sessions left packages behind (a green run
# here once hid a missing iptables). A privileged container is started from the
# debootstrapped base image (minbase: nothing but Debian's base tools), a clean
# clone of HEAD (what is committed, nothing else) is copied in, and there, as a
# newcomer would: apt-get install make, then `make setup`, which ends with its
# smoke test of the container runtime (a container inside the container: network,
# published port, name resolution).
#
# `make demo` inside needs systemd in a container inside the container. On this
# project's machines (cgroup v1, hybrid) that systemd starts but cannot track the
# processes of Type=forking services ("New main PID ... does not belong to
# service"): PostgreSQL's start never completes. So the demo steps are opt-in,
# for machines with cgroup v2; CI runs the demo and the browser check on the
# machine itself after this check.
#
#   PRISTINE_STEPS   setup | demo | browser: how far to go (default setup)
#   PRISTINE_DROP    a Debian package to leave out of setup's list, to see setup
#                    name it (e.g. PRISTINE_DROP=iptables); the check then expects
#                    setup to fail with a line naming that package
#   PRISTINE_KEEP=1  leave the container running afterwards (podman exec -it djangoops-pristine bash)
#
# Like the machines it runs on, the pristine system has no systemd as PID 1 (the
# demo's container inside it would have). This machine reaches PyPI through a
# TLS-intercepting proxy; the pristine system gets the machine's CA bundle like any
# host on this network would (PLATFORM.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. .ci/lib/preflight.sh
djangoops_preflight

name=djangoops-pristine
image=localhost/djangoops-debian:bookworm
steps=${PRISTINE_STEPS:-setup}
drop=${PRISTINE_DROP:-}
case "$steps" in setup|demo|browser) ;; *) echo "PRISTINE_STEPS must be setup, demo or browser, not '$steps'" >&2; exit 2 ;; esac

log() { printf '\033[1m==> pristine: %s\033[0m\n' "$*"; }
elapsed() { echo $(( $(date +%s) - $1 )); }

tmp=$(mktemp -d /var/tmp/djangoops-pristine.XXXXXX)
cleanup() {
  if [ -z "${PRISTINE_KEEP:-}" ]; then
    $sudo podman rm --force --volumes --ignore --time 5 "$name" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

$sudo bash .ci/lib/build-image.sh bookworm >/dev/null
git clone --quiet --no-local "$root" "$tmp/djangoops"
if [ -n "$drop" ]; then
  grep -Eq "^apt_packages=\(.*\b$drop\b" "$tmp/djangoops/.ci/setup.sh" || {
    echo "PRISTINE_DROP=$drop: setup.sh's first package line does not name it" >&2; exit 2; }
  sed -Ei "/^apt_packages=\(/s/ $drop\b//" "$tmp/djangoops/.ci/setup.sh"
  log "setup's package list without $drop (setup must name it)"
fi

$sudo podman rm --force --volumes --ignore "$name" >/dev/null
# --privileged and a volume for /var/lib/containers (nested overlay storage on a
# plain filesystem): what podman inside a container needs. No systemd as PID 1,
# like the machines this runs on (podman then manages cgroups itself, as here);
# a systemd there took over the host's cgroup v1 hierarchy and broke podman exec.
$sudo podman run --detach --name "$name" --hostname pristine.djangoops.test \
  --privileged --cgroupns=private --runtime=runc --systemd=false \
  --ulimit nofile=16384:16384 --ulimit nproc=8192:8192 \
  --volume /var/lib/containers \
  --volume /etc/ssl/certs/ca-certificates.crt:/usr/local/share/ca-certificates/this-machine.crt:ro \
  "$image" sleep infinity >/dev/null
$sudo podman exec "$name" update-ca-certificates >/dev/null 2>&1
$sudo podman cp "$tmp/djangoops" "$name:/root/djangoops"

run() {  # run a command in the clone inside the pristine system, as root, without a terminal
  $sudo podman exec --workdir /root/djangoops --env CI=true "$name" bash -c "$1" </dev/null
}

start=$(date +%s)
log "apt-get install make (the README's one prerequisite beside git)"
run 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make >/dev/null'

log "make setup"
t=$(date +%s)
set +e
run 'DJANGOOPS_SUITES=bookworm make setup' 2>&1 | tee "$tmp/setup.log"
rc=${PIPESTATUS[0]}
set -e
if [ -n "$drop" ]; then
  if [ "$rc" -ne 0 ] && grep -E "^setup: .*\b$drop\b" "$tmp/setup.log" >/dev/null; then
    log "setup failed as it must without $drop, naming it: $(grep -E "^setup: " "$tmp/setup.log" | tail -n 1)"
    exit 0
  fi
  echo "pristine check: setup without $drop did not fail with a line naming it (exit $rc)" >&2
  exit 1
fi
[ "$rc" -eq 0 ] || { echo "pristine check: make setup failed on a pristine Debian 12 system (exit $rc)" >&2; exit 1; }
log "make setup passed in $(elapsed "$t") s"
[ "$steps" = setup ] && exit 0

log "make demo"
t=$(date +%s)
run 'make demo'
log "make demo passed in $(elapsed "$t") s"
[ "$steps" = demo ] && exit 0

log "make demo-browser"
t=$(date +%s)
run 'make demo-browser'
$sudo podman cp "$name:/root/djangoops/.demo/realtime.png" "$root/.ci/logs/pristine-realtime.png" 2>/dev/null || true
log "make demo-browser passed in $(elapsed "$t") s"
log "the README's commands passed on a pristine Debian 12 system in $(elapsed "$start") s"
