# Shared set-up for scripts/run and scripts/test: sourced, not run.
# Installs what is missing and points cargo at one target directory shared by every
# checkout on this machine (a fresh clone then reuses the compiled dependencies).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/daakhla/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

if ! command -v cargo >/dev/null 2>&1; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "Daakhla needs Rust (cargo): install it from https://rustup.rs and run this again." >&2
  exit 1
fi

# Debian packages the build and tests need; installs only those missing.
apt_need() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing ${missing[*]} ..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# rusqlite builds SQLite from source: a C compiler is all it needs.
# GNU time reads peak memory in the benchmarks (and their smoke test).
apt_need build-essential pkg-config time
cd "$repo"
