#!/usr/bin/env bash
# Installs what ./run.sh and ./test.sh need and a fresh machine lacks: the .NET SDK check, RabbitMQ and
# PostgreSQL from Debian's packages. Sourced by both scripts; safe to run again (it installs only what is missing).

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    die "need root to run: $* (install sudo or run as root)"; fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand (see README.md)"
  if [ "$apt_updated" -eq 0 ]; then
    say "updating the package lists (once)…"
    as_root apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  say "installing $* from Debian's packages…"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

ensure_prereqs() {
  command -v dotnet >/dev/null 2>&1 || die "the .NET 10 SDK is not on PATH: install it from your distribution or dot.net"
  dotnet --list-sdks | grep -q '^10\.' || die "the .NET 10 SDK is required (found: $(dotnet --list-sdks | tr '\n' ' '))"

  if [ -z "${ConnectionStrings__postgres:-}" ] && [ -z "${FINQWARE_TEST_POSTGRES:-}" ] \
     && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
  fi
  if [ -z "${ConnectionStrings__messaging:-}" ] && [ -z "${FINQWARE_TEST_RABBITMQ:-}" ] \
     && [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    apt_install rabbitmq-server
  fi
  command -v curl >/dev/null 2>&1 || apt_install curl
  # Debian's packages may start system-wide servers; Finqware runs its own on free ports and leaves those alone.
}

# ./test.sh only: the dashboard's browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download is never run).
ensure_browser() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}
