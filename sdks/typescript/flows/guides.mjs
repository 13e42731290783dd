// The guides' flows (docs/tenants.md, docs/sessions.md, docs/data-api.md) through the SDK, against a running system:
//   FINQWARE_URL=http://localhost:5080 node flows/guides.mjs
// A servicer signs up and registers a sandbox tenant (portal), the tenant's client app onboards user_good for the sandbox
// bank's account information skill, and the tenant's server reads and syncs the consented data, then revokes it.
// tests/Finqware.EndToEnd.Tests/SdkFlowTests runs it against the end-to-end tests' system.
import assert from "node:assert/strict";
import { createFinqwareClient, ok, FinqwareProblem } from "../dist/index.js";

const baseUrl = process.env.FINQWARE_URL;
if (!baseUrl) throw new Error("Set FINQWARE_URL to the gateway, e.g. http://localhost:5080");
const skill = "xyz_aisp_sbx_#1.0";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Tenants: sign up, log in to the portal, register a tenant app.
const anonymous = createFinqwareClient({ baseUrl });
const email = `ts-sdk-${crypto.randomUUID()}@example.test`;
const password = "a long enough password";
const servicer = await ok(anonymous.POST("/servicers", { body: { name: "TypeScript SDK flow", kind: "fintech", email, password } }));
const login = await ok(anonymous.POST("/auth/token", { body: { email, password } }));
const portal = createFinqwareClient({ baseUrl, credentials: { portalToken: login.access_token } });
const tenant = await ok(portal.POST("/servicers/{servicer_id}/tenants", {
  params: { path: { servicer_id: servicer.servicer_id } },
  body: { name: "TypeScript flow app", environment: "sandbox", skills: [skill] },
}));

// Sessions: the client app opens a session and submits the steps with the nonces; it reads statuses, not results.
const app = createFinqwareClient({ baseUrl, credentials: { clientId: tenant.client_id, clientAppKey: tenant.client_app_key } });
const server = createFinqwareClient({ baseUrl, credentials: { clientId: tenant.client_id, clientSecret: tenant.client_secret } });
const me = await ok(server.GET("/tenants/me"));
assert.equal(me.client_id, tenant.client_id);

let opened;
for (let attempt = 0; ; attempt++) {
  try {
    opened = await ok(app.POST("/sessions", { body: { client_id: tenant.client_id, client_app_key: tenant.client_app_key, skill } }));
    break;
  } catch (e) {
    // The tenant reaches SessionService through the broker: a moment after its 201 (issue 18 makes it immediate).
    if (!(e instanceof FinqwareProblem) || e.code !== "INVALID_CLIENT_CREDENTIALS" || attempt >= 50) throw e;
    await sleep(200);
  }
}
assert.equal(opened.status, "SESSION_CREATED");
const sessionId = opened.session_id;
let nonce = opened.nonce;

async function step(name, data) {
  const submitted = await ok(app.POST("/sessions/{session_id}/steps", {
    params: { path: { session_id: sessionId } },
    body: { client_id: tenant.client_id, nonce, skill, step: name, data },
  }));
  nonce = submitted.nonce;
  const read = await ok(app.GET("/sessions/{session_id}/steps/{step_id}", {
    params: { path: { session_id: sessionId, step_id: submitted.step_id }, query: { wait: 20 } },
  }));
  assert.equal(read.status, "COMPLETED", `${name}: ${JSON.stringify(read)}`);
  assert.equal(read.result, undefined, "the client app sees no results");
  return submitted.step_id;
}

await step("credentials", { username: "user_good", password: "pass_good" });
const scaStep = await step("sca", { otp: "123456" });

// Data: the server reads the result, the connection, its accounts and transactions, syncs, refreshes and revokes.
const sca = await ok(server.GET("/sessions/{session_id}/steps/{step_id}", { params: { path: { session_id: sessionId, step_id: scaStep } } }));
const connectionId = sca.result.connection_id;
assert.ok(connectionId);
const session = await ok(server.GET("/sessions/{session_id}", { params: { path: { session_id: sessionId } } }));
assert.equal(session.status, "COMPLETED");

let accounts;
for (let attempt = 0; ; attempt++) {
  try {
    accounts = await ok(server.GET("/accounts", { params: { query: { connection_id: connectionId } } }));
    if (accounts.accounts.length > 0) break;
  } catch (e) {
    if (!(e instanceof FinqwareProblem) || e.code !== "CONNECTION_NOT_FOUND") throw e;
  }
  if (attempt >= 100) throw new Error("the connection's accounts never arrived");
  await sleep(200);
}
const connection = await ok(server.GET("/connections/{connection_id}", { params: { path: { connection_id: connectionId } } }));
assert.equal(connection.status, "ACTIVE");
const account = accounts.accounts[0];
await ok(server.GET("/accounts/{account_id}/balances", { params: { path: { account_id: account.account_id } } }));
const page = await ok(server.GET("/accounts/{account_id}/transactions", { params: { path: { account_id: account.account_id }, query: { limit: "5" } } }));
const sync = await ok(server.POST("/transactions/sync", { body: { connection_id: connectionId } }));
assert.ok(Array.isArray(sync.added) && typeof sync.next_cursor === "string");
await ok(server.POST("/connections/{connection_id}/refresh", { params: { path: { connection_id: connectionId } } }));
await ok(server.DELETE("/connections/{connection_id}", { params: { path: { connection_id: connectionId } } }));
await assert.rejects(ok(server.GET("/accounts/{account_id}", { params: { path: { account_id: account.account_id } } })),
  (e) => e instanceof FinqwareProblem && e.code === "CONNECTION_REVOKED" && typeof e.traceId === "string");

console.log(JSON.stringify({ ok: true, client_id: tenant.client_id, session_id: sessionId, connection_id: connectionId,
  accounts: accounts.accounts.length, transactions: page.transactions.length, synced: sync.added.length }));
