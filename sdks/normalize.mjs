// Writes the public document as the SDK generators read it: sdks/openapi.json with the keywords that narrow a problem
// response's code beside its $ref removed. JSON Schema 2020-12 allows them, but Kiota reads them into the shared Problem
// schema (every response would then carry the first route's codes). The SDKs' Problem.code is a plain string.
// Usage: node sdks/normalize.mjs <output file>
import { readFileSync, writeFileSync } from "node:fs";

const document = JSON.parse(readFileSync(new URL("./openapi.json", import.meta.url), "utf8"));
for (const item of Object.values(document.paths)) {
  for (const operation of Object.values(item)) {
    for (const response of Object.values(operation.responses ?? {})) {
      for (const media of Object.values(response.content ?? {})) {
        if (media.schema?.$ref && Object.keys(media.schema).length > 1) media.schema = { $ref: media.schema.$ref };
      }
    }
  }
}
writeFileSync(process.argv[2], JSON.stringify(document, null, 2) + "\n");
