#!/usr/bin/env bash
# Runs every test of the solution against real PostgreSQL and RabbitMQ (started by the test fixtures, or the
# servers named by FINQWARE_TEST_POSTGRES / FINQWARE_TEST_RABBITMQ) and ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"
. scripts/prereqs.sh
ensure_prereqs
ensure_node_tools
ensure_browser
ensure_deploy_tools

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

say "building the solution…"
dotnet build Finqware.sln -nologo -v quiet -clp:ErrorsOnly || die "the build failed (errors above)"

say "running the tests (integration and end-to-end tests start their own PostgreSQL and RabbitMQ)…"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# One test project at a time: each integration project starts its own PostgreSQL, RabbitMQ and services, and the
# end-to-end project the whole system; on 2 cores, side by side they starve each other's timeouts.
# `./test.sh --project tests/X` runs one project: dotnet test takes a project or the solution, not both.
target=(--solution Finqware.sln)
for arg in "$@"; do case "$arg" in --project|--project=*|--solution|--solution=*) target=() ;; esac; done
dotnet test "${target[@]}" --no-build --no-progress --max-parallel-test-modules 1 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

num() { grep -E "^[[:space:]]*$1:[[:space:]]*[0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
passed=$(num succeeded); failed=$(num failed); skipped=$(num skipped); total=$(num total)
if [ "$total" -eq 0 ]; then
  echo "no test ran (see the output above)"; failed=$((failed + 1)); status=1
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
line="$passed passed, $failed failed"
if [ "$skipped" -gt 0 ]; then line="$line, $skipped skipped"; fi
echo "$line"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
