# Sourced by .ci/setup.sh and .ci/demo.sh: install those of the named Debian
# packages that are not installed yet (as root, or through $sudo).
djangoops_apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  printf '\033[1m==> %s\033[0m\n' "installing Debian packages: ${missing[*]}"
  ${sudo:-} apt-get update -qq
  ${sudo:-} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
