#!/usr/bin/env bash
# Build (once) a Debian systemd base image for the test hosts, from Debian's own
# archive with debootstrap: no registry is needed. Usage: build-image.sh SUITE
# The image is tagged localhost/djangoops-debian:SUITE and labelled with a hash of
# this script, so editing the recipe rebuilds it; otherwise it is reused.
set -euo pipefail

suite=${1:?usage: build-image.sh bookworm|trixie}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
image="localhost/djangoops-debian:${suite}"
recipe=$(sha256sum "$0" | cut -c1-12)

if podman image exists "$image" &&
   [ "$(podman image inspect --format '{{ index .Labels "djangoops.recipe" }}' "$image")" = "$recipe" ]; then
  echo "image $image is up to date (recipe $recipe)"
  exit 0
fi

rootfs=$(mktemp -d /var/tmp/djangoops-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

echo "building $image with debootstrap (about 90 s)..."
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,iproute2,ca-certificates,openssh-server,gnupg \
  "$suite" "$rootfs" "$mirror" >/dev/null

# Keep downloaded .deb files (the test harness mounts a shared cache there) and
# speak to the archive over plain HTTP like debootstrap did.
cat > "$rootfs/etc/apt/apt.conf.d/01djangoops-keep-debs" <<'APT'
APT::Keep-Downloaded-Packages "true";
Binary::apt::APT::Keep-Downloaded-Packages "true";
APT
# A container has no hardware clock, consoles or kernel modules to manage.
for unit in systemd-remount-fs.service getty.target console-getty.service \
            systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
# sshd host keys are generated per container on first boot, not baked into the image.
rm -f "$rootfs"/etc/ssh/ssh_host_*
mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
cat > "$rootfs/etc/systemd/system/ssh.service.d/keys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
echo "djangoops-${suite}" > "$rootfs/etc/hostname"
: > "$rootfs/etc/machine-id"

tar -C "$rootfs" -c . | podman import --quiet \
  --change 'CMD ["/sbin/init"]' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL djangoops.recipe=${recipe}" \
  - "$image" >/dev/null
echo "built $image (recipe $recipe)"
