#!/usr/bin/env bash
# Idempotent setup for `make test` / `make demo` on a fresh Debian 12/13 machine:
#   1. the Debian packages the controller and the test hosts need (only when missing);
#   2. the controller virtualenv (.venv) from requirements-dev.txt (only when it changed);
#   3. the collection linked where Ansible looks for djangoops.deploy;
#   4. the cached Debian systemd base images (built once with debootstrap);
#   5. apt caches (one per test host) and a shared pip cache, kept across runs on this machine;
#   6. the SSH key Ansible logs in to the test hosts with (.cache/ssh/);
#   7. a smoke test of the container runtime just installed (network, published port).
# It stops first, with one line saying what it needs, on a system that is not
# Debian-like or where it cannot become root.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# shellcheck source=lib/preflight.sh
. .ci/lib/preflight.sh
# shellcheck source=lib/apt.sh
. .ci/lib/apt.sh
djangoops_preflight   # sets $sudo ("" as root, "sudo" otherwise)

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# 1. Debian packages ---------------------------------------------------------------
# Name resolution between the test hosts (--network-alias) needs a DNS plugin on
# the podman network: aardvark-dns with netavark (what podman picks on a machine
# with no containers yet), dnsname with CNI (what it keeps on a machine that
# already used CNI). apt does not pull either in with --no-install-recommends.
# netavark sets up networks and published ports by calling iptables, which podman
# only suggests: without it the first `podman run -p` fails with "netavark: No such
# file or directory" (seen on a fresh Debian 12 machine).
apt_packages=(podman runc debootstrap uidmap slirp4netns fuse-overlayfs iptables
              netavark aardvark-dns golang-github-containernetworking-plugin-dnsname
              python3 python3-venv python3-dev gcc libpq-dev git make curl openssl openssh-client)
djangoops_apt_install "${apt_packages[@]}"

# 2. Controller virtualenv ----------------------------------------------------------
stamp=.venv/.requirements-dev.sha256
want=$(sha256sum requirements-dev.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/ansible-playbook ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "creating controller virtualenv .venv"
  python3 -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

# 3. The repo root is the collection djangoops.deploy ---------------------------------
mkdir -p .cache/collections/ansible_collections/djangoops
ln -sfn "$root" .cache/collections/ansible_collections/djangoops/deploy

# 4. Base images for the test hosts ---------------------------------------------------
suites=${DJANGOOPS_SUITES:-bookworm trixie}
for suite in $suites; do
  $sudo bash .ci/lib/build-image.sh "$suite"
done

# 5. Caches for the test hosts (outside the clone, so later runs reuse them) ---------
cache=${DJANGOOPS_TEST_CACHE:-/var/cache/djangoops-test}
# One apt archive per test host (named in the scenarios' molecule.yml): apt locks
# its archive directory, so two hosts installing at once must not share one.
for dir in $(grep -ho '}/apt/[A-Za-z0-9_-]*:' molecule/*/molecule.yml | tr -d '}:' | sort -u); do
  $sudo mkdir -p "$cache$dir"
done
$sudo mkdir -p "$cache/pip"
# The TLS-intercepting proxy's CA, for test hosts that fetch over HTTPS (harness only).
$sudo cp /etc/ssl/certs/ca-certificates.crt "$cache/host-ca-bundle.crt"

# 6. The key Ansible logs in to the test hosts with, as root over SSH like on a VM.
# The scenarios mount the public half as the hosts' /root/.ssh/authorized_keys.
if [ ! -f .cache/ssh/id_ed25519 ]; then
  install -d -m 700 .cache/ssh
  ssh-keygen -q -t ed25519 -N "" -C "djangoops-test" -f .cache/ssh/id_ed25519
fi
# 7. Prove the runtime works now, so a missing piece is named here and not by a
# later command: a network, a container from the base image with a published
# port, a request to it through that port; both removed again.
$sudo bash .ci/lib/runtime-smoke.sh "localhost/djangoops-debian:${suites%% *}"
log "setup complete"
