#!/usr/bin/env bash
# Molecule's dependency step: the scenario's podman network, with the subnet the
# addresses in its molecule.yml come from (the podman driver's own network
# handling cannot set a subnet). Kept between runs; recreated when its subnet
# differs. Usage: network.sh NAME SUBNET
set -euo pipefail
name=${1:?usage: network.sh NAME SUBNET} subnet=${2:?usage: network.sh NAME SUBNET}
if podman network exists "$name"; then
  have=$(podman network inspect --format '{{range .Subnets}}{{.Subnet}} {{end}}' "$name")
  have=${have% }
  [ "$have" = "$subnet" ] && exit 0
  echo "podman network $name has subnet $have, not $subnet: recreating it" >&2
  podman network rm "$name" >/dev/null
fi
podman network create --subnet "$subnet" "$name" >/dev/null || {
  echo "could not create podman network $name with subnet $subnet; another network may use it (podman network ls)" >&2
  exit 1
}
echo "podman network $name: $subnet"
