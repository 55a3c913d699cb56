#!/usr/bin/env bash
# `make demo`: the whole stack on a local systemd container standing in for a VM.
#   .ci/demo.sh up        create (or reuse) the container and run site.yml against it
#   .ci/demo.sh browser   the /realtime/ page in headless Chromium: echo and broadcast
#                         arrive (installs Debian's chromium + chromium-driver if missing)
#   .ci/demo.sh destroy   remove the container, its vault and password file
# Ports are published on 127.0.0.1 only: DEMO_HTTPS_PORT (8443), DEMO_HTTP_PORT (8080).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg"

name=djangoops-demo
# Its own podman network and address (inventories/demo/hosts.yml names it).
network=djangoops-demo
subnet=10.89.200.0/24
address=10.89.200.10
domain=djangoops.localhost
https_port=${DEMO_HTTPS_PORT:-8443}
http_port=${DEMO_HTTP_PORT:-8080}
state=.demo
password_file=$state/vault-pass
vault_file=inventories/demo/group_vars/all/vault.yml
cache=${DJANGOOPS_TEST_CACHE:-/var/cache/djangoops-test}
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

# shellcheck source=lib/apt.sh
. .ci/lib/apt.sh

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

destroy() {
  $sudo podman rm --force --ignore "$name" >/dev/null
  $sudo podman network rm --force "$network" >/dev/null 2>&1 || true
  rm -rf "$state" "$vault_file"
  log "demo removed"
}

up() {
  DJANGOOPS_SUITES=bookworm bash .ci/setup.sh
  mkdir -p "$state"
  $sudo mkdir -p "$cache/apt/$name"
  # After the machine restarts, podman may still record the container as
  # running with a dead init ("cannot exec in a stopped container"); it is
  # stopped and started, and recreated if that does not bring it back (the
  # vault lives on this side and is reused).
  if $sudo podman container exists "$name" && ! $sudo podman exec "$name" true 2>/dev/null; then
    log "restarting $name: podman cannot run commands in it"
    $sudo podman stop --time 5 "$name" >/dev/null 2>&1 || true
    $sudo podman start "$name" >/dev/null 2>&1 || true
    if ! $sudo podman exec "$name" true 2>/dev/null; then
      log "recreating $name: its recorded state is stale"
      $sudo podman rm --force "$name" >/dev/null
    fi
  fi
  # NET_ADMIN lets ufw (the security role) manage the container's own netfilter;
  # Ansible reaches the demo over SSH at $address with this clone's key. A demo made
  # before either, or by another clone, is recreated (the vault is per clone too).
  if $sudo podman container exists "$name" &&
     { ! $sudo podman inspect --format '{{.HostConfig.CapAdd}}' "$name" | grep -q NET_ADMIN ||
       [ "$($sudo podman inspect --format "{{(index .NetworkSettings.Networks \"$network\").IPAddress}}" "$name" 2>/dev/null)" != "$address" ] ||
       [ "$($sudo podman inspect --format '{{range .Mounts}}{{if eq .Destination "/root/.ssh/authorized_keys"}}{{.Source}}{{end}}{{end}}' "$name")" != "$PWD/.cache/ssh/id_ed25519.pub" ]; }; then
    log "recreating $name with CAP_NET_ADMIN, SSH at $address and this clone's key"
    $sudo podman rm --force "$name" >/dev/null
  fi
  $sudo bash molecule/shared/network.sh "$network" "$subnet" >/dev/null
  if ! $sudo podman container exists "$name"; then
    log "starting the demo 'VM' ($name), HTTPS on 127.0.0.1:$https_port"
    # podman's default cgroup namespace (the host's, on cgroup v1): with a private
    # one, systemd here cannot tell which service a process belongs to, and
    # PostgreSQL's start (Type=forking) never completes.
    $sudo podman run --detach --name "$name" --hostname demo.djangoops.test \
      --runtime=runc --systemd=always --cap-add=NET_ADMIN \
      --network "$network" --ip "$address" \
      --volume "$PWD/.cache/ssh/id_ed25519.pub:/root/.ssh/authorized_keys:ro" \
      --ulimit nofile=16384:16384 --ulimit nproc=8192:8192 \
      --publish "127.0.0.1:$https_port:443" --publish "127.0.0.1:$http_port:80" \
      --volume "$cache/apt/$name:/var/cache/apt/archives:rw" \
      --volume "$cache/pip:/root/.cache/pip:rw" \
      localhost/djangoops-debian:bookworm /sbin/init >/dev/null
  else
    $sudo podman start "$name" >/dev/null
  fi
  if [ "$($sudo podman inspect --format '{{.State.Running}}' "$name")" != true ]; then
    echo "demo: the container $name stopped right after it started (exit code $($sudo podman inspect --format '{{.State.ExitCode}}' "$name")); podman logs $name may say why" >&2
    exit 1
  fi
  $sudo podman exec "$name" systemctl is-system-running --wait >/dev/null 2>&1 || true

  # A vault with fresh random secrets, encrypted with a generated password.
  ansible-playbook djangoops.deploy.vault_init -e djangoops_env=demo \
    -e "djangoops_vault_password_file=$PWD/$password_file" >/dev/null
  # sshd in the container generates its host keys on first boot.
  ansible --inventory inventories/demo --vault-id "demo@$password_file" demo \
    --module-name ansible.builtin.wait_for_connection --args timeout=60 >/dev/null

  log "running djangoops.deploy.site against the demo VM"
  ansible-playbook --inventory inventories/demo --vault-id "demo@$password_file" \
    --extra-vars "djangoops_demo_https_port=$https_port" djangoops.deploy.site

  # The demo's certificate is self-signed: fetch it so clients can trust it.
  $sudo podman cp "$name:/etc/ssl/djangoops/$domain/fullchain.pem" "$state/demo-cert.pem"
  url="https://$domain:$https_port/"
  readiness=$(curl --silent --show-error --fail --cacert "$state/demo-cert.pem" \
    --resolve "$domain:$https_port:127.0.0.1" "${url}readiness/")
  ws_args=(--origin "https://$domain:$https_port" --cafile "$state/demo-cert.pem" --address 127.0.0.1)
  echo_result=$(python3 molecule/shared/files/ws_check.py echo "wss://$domain:$https_port" "${ws_args[@]}")
  broadcast_result=$(python3 molecule/shared/files/ws_check.py broadcast "wss://$domain:$https_port" \
    "wss://$domain:$https_port" "wss://$domain:$https_port" "${ws_args[@]}")
  cat <<MSG

djangoops.deploy demo is up: $url
  readiness: $readiness
  wss echo:  $echo_result
  broadcast: $broadcast_result
  try it:    ${url}realtime/ (echo and broadcast in the browser, through nginx and Daphne)

The certificate is self-signed (no public ACME server can validate $domain). Either
  trust it:   curl --cacert $state/demo-cert.pem $url
              (browsers: import $state/demo-cert.pem as a trusted authority)
  or bypass:  curl -k $url   (browsers: accept the warning once)
Shell on the "VM": ssh -i .cache/ssh/id_ed25519 root@$address (or podman exec -it $name bash)
Remove it: make demo-destroy
MSG
}

browser() {
  djangoops_apt_install chromium chromium-driver
  [ -f "$state/demo-cert.pem" ] || { echo "no demo is up here: run make demo first" >&2; exit 1; }
  log "loading https://$domain:$https_port/realtime/ in headless Chromium"
  python3 .ci/demo_browser.py "https://$domain:$https_port/realtime/" --screenshot "$state/realtime.png"
  log "echo and broadcast arrived in the browser; screenshot: $state/realtime.png"
}

case "${1:-up}" in
  up) up ;;
  browser) browser ;;
  destroy) destroy ;;
  *) echo "usage: $0 up|browser|destroy" >&2; exit 2 ;;
esac
