#!/usr/bin/env bash
# Packs what a skill provider builds a connector with, from its own repository, into a folder feed:
#   Finqware.SkillConnectors.Sdk       the connector SDK
#   Finqware.Contracts                 the messages connectors and services exchange
#   Finqware.ServiceDefaults(.Messaging, .Npgsql)   what the SDK runs on (hosting, bus, database)
#   Finqware.SkillConnectors.TestKit   real RabbitMQ/PostgreSQL fixtures, ConnectorUnderTest, ConnectorConformance
#   Finqware.LocalServers              local PostgreSQL/RabbitMQ servers and processes, as the AppHost runs them (the test kit's)
#   Finqware.Templates                 dotnet new finqware-connector
# all at the version of packaging/Version.props (docs/connectors.md, "Compatibility").
#
# Usage: scripts/pack.sh [output folder, default artifacts/packages] [-c Debug|Release, default Release]
#        [--version X.Y.Z: another version than packaging/Version.props's, e.g. for packaging/baseline]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=artifacts/packages
version=""
configuration=Release
while [ $# -gt 0 ]; do
  case "$1" in
    -c|--configuration) configuration=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    *) out=$1; shift ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -n "$version" ] || version=$(sed -n 's:.*<FinqwareKitVersion>\(.*\)</FinqwareKitVersion>.*:\1:p' "$repo/packaging/Version.props")
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet pack "$repo/packaging/ConnectorKit.slnf" -c "$configuration" -o "$out" -p:FinqwareKitVersion="$version" -nologo -v quiet -clp:ErrorsOnly

# The template, with the packages' version written into the projects it creates.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r "$repo/templates/finqware-connector/." "$stage/"
grep -rlZ FINQWARE_KIT_VERSION "$stage" | xargs -0 sed -i "s/FINQWARE_KIT_VERSION/$version/g"
dotnet pack "$stage/Finqware.Templates.csproj" -o "$out" -nologo -v quiet -clp:ErrorsOnly

echo "packed Finqware connector packages $version into $out:"
ls -1 "$out" | grep -F ".$version.nupkg" | sed 's/^/  /'
