# Sourced by the scripts: `need COMMAND [PACKAGE]` installs Debian's PACKAGE (default: the
# command's name) when COMMAND is missing, updating the package lists only if the first try
# fails. Needs root, as CI runs.
need() {
  local command=$1 package=${2:-$1}
  command -v "$command" >/dev/null && return
  echo "installing $package (Debian package)…" >&2
  apt-get install -y "$package" >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y "$package" >/dev/null; }
}
