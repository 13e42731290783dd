// Validates Kubernetes objects (a JSON array on stdin) against the API's schemas as kubernetes-models compiles them:
// required fields, types and formats. Prints one line per invalid object and exits 1 if there is any. Unknown
// fields are the other half of the check, done in .NET (KubernetesYaml, strict).
import { readFileSync } from "node:fs";

const objects = JSON.parse(readFileSync(0, "utf8"));
const problems = [];
for (const object of objects) {
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : [null, object.apiVersion];
  const where = `${object.kind} ${object.metadata?.name}`;
  let models;
  try {
    models = await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  } catch {
    problems.push(`${where}: no schema for apiVersion ${object.apiVersion}`);
    continue;
  }
  const Model = models[object.kind];
  if (!Model) {
    problems.push(`${where}: no schema for kind ${object.kind} in ${object.apiVersion}`);
    continue;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
  }
}
for (const problem of problems) console.log(problem);
console.log(`${objects.length - problems.length} of ${objects.length} objects valid`);
process.exit(problems.length === 0 ? 0 : 1);
