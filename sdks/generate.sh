#!/usr/bin/env bash
# Regenerates both SDKs from the public OpenAPI document.
#   sdks/generate.sh             boots the system (the end-to-end tests' fixture), writes its /openapi/v1.json into
#                                sdks/openapi.json (PublicContractTests with FINQWARE_UPDATE_CONTRACT=1), then generates
#   sdks/generate.sh --offline   generates from the sdks/openapi.json already there
# The .NET client (Kiota) goes to sdks/dotnet/Finqware.Client/Generated, the TypeScript types (openapi-typescript) to
# sdks/typescript/src/schema.ts. tests/Sdks.Tests fails when either differs from what this script writes.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prereqs.sh
ensure_prereqs
ensure_node_tools

if [ "${1:-}" != "--offline" ]; then
  say "building, booting the system and writing its /openapi/v1.json into sdks/openapi.json…"
  dotnet build tests/Finqware.EndToEnd.Tests -nologo -v quiet -clp:ErrorsOnly || die "the build failed"
  FINQWARE_UPDATE_CONTRACT=1 dotnet test --project tests/Finqware.EndToEnd.Tests --no-build -- \
    --filter-method '*The_committed_document_is_the_one_the_gateway_serves' >/dev/null || die "could not read the live document"
fi

normalized=$(mktemp --suffix=.json)
trap 'rm -f "$normalized"' EXIT
node sdks/normalize.mjs "$normalized"

say "generating the .NET client (Kiota)…"
dotnet kiota generate -l CSharp -d "$normalized" -o sdks/dotnet/Finqware.Client/Generated -c FinqwareApiClient \
  -n Finqware.Client.Generated --exclude-backward-compatible --clean-output --log-level Error >/dev/null
rm -f sdks/dotnet/Finqware.Client/Generated/kiota-lock.json

say "generating the TypeScript types (openapi-typescript)…"
sdks/typescript/node_modules/.bin/openapi-typescript "$normalized" -o sdks/typescript/src/schema.ts >/dev/null
say "done: review git diff sdks/"
