// Reads Finqware's GraphQL schema back with graphql-js (the reference implementation), as a client's tooling would.
//   node tools/node/graphql-schema.mjs query              prints graphql-js's introspection query
//   node tools/node/graphql-schema.mjs check < result.json builds the schema from that query's result, validates the
//                                                          documents given as further arguments against it, and prints
//                                                          { types, queries, mutations, errors } as JSON
import { readFileSync } from "node:fs";
import { buildClientSchema, getIntrospectionQuery, parse, printSchema, validate } from "graphql";

const [mode, ...documents] = process.argv.slice(2);
if (mode === "query") {
  process.stdout.write(getIntrospectionQuery());
} else if (mode === "check") {
  const result = JSON.parse(readFileSync(0, "utf8"));
  const schema = buildClientSchema(result.data);
  const errors = documents.flatMap((document) => validate(schema, parse(document)).map((e) => `${e.message} in ${document}`));
  const fields = (type) => Object.keys(type?.getFields() ?? {});
  process.stdout.write(JSON.stringify({
    types: Object.keys(schema.getTypeMap()).filter((t) => !t.startsWith("__")).length,
    queries: fields(schema.getQueryType()),
    mutations: fields(schema.getMutationType()),
    sdl: printSchema(schema).length,
    errors,
  }));
} else {
  throw new Error("usage: graphql-schema.mjs query | check [documents...]");
}
