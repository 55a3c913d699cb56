# Sourced by .ci/setup.sh: stop with one line saying what is needed before
# anything is installed. Sets $sudo: "" when running as root, "sudo" otherwise.
# DJANGOOPS_OS_RELEASE points at another os-release file (for the tests).
djangoops_preflight() {
  local os_release=${DJANGOOPS_OS_RELEASE:-/etc/os-release} id="" id_like="" pretty=""
  if [ -r "$os_release" ]; then
    id=$(. "$os_release" && echo "${ID:-}")
    id_like=$(. "$os_release" && echo "${ID_LIKE:-}")
    pretty=$(. "$os_release" && echo "${PRETTY_NAME:-${ID:-unknown}}")
  fi
  case " $id $id_like " in
    *" debian "*) ;;
    *)
      echo "setup: needs Debian 12 or 13 (apt-get, debootstrap, podman from Debian); this system is ${pretty:-unknown (no $os_release)}" >&2
      exit 1 ;;
  esac
  command -v apt-get >/dev/null 2>&1 || {
    echo "setup: needs apt-get (Debian 12 or 13); it is not on PATH" >&2
    exit 1
  }
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup: needs root to install packages and run podman: run it as root, or install sudo and give $(id -un) sudo rights" >&2
      exit 1
    fi
    # -n: never wait at a password prompt when nobody can answer it (CI, no terminal).
    local ask=-n
    [ -t 0 ] && ask=""
    if ! sudo $ask true 2>/dev/null; then
      echo "setup: needs root: $(id -un) cannot use sudo here (run it as root, or add $(id -un) to the sudo group)" >&2
      exit 1
    fi
    sudo="sudo"
  fi
}
