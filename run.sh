#!/usr/bin/env bash
# Starts all of Finqware on this machine: PostgreSQL, RabbitMQ, the services, the connectors, the gateway on
# http://localhost:5080 and the ops dashboard on http://localhost:18888. Ctrl+C stops everything it started.
#   ./run.sh            keep the data of the previous run (under .finqware/)
#   ./run.sh --fresh    start from a clean .finqware/ (drops databases, queues and the demo tenant)
set -euo pipefail
cd "$(dirname "$0")"
. scripts/prereqs.sh
ensure_prereqs
ensure_node_tools

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say "building the solution (the first build restores packages and takes a minute)…"
dotnet build Finqware.sln -nologo -v quiet -clp:ErrorsOnly || die "the build failed (errors above)"

say "starting the AppHost…"
exec dotnet AppHost/bin/Debug/net10.0/AppHost.dll "$@"
