// The hand-written helpers, against a fake fetch: no system needed (flows/guides.mjs runs the guides' flows against one).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, createHash } from "node:crypto";
import { createFinqwareClient, ok, FinqwareProblem, retryAfterMs, verifyWebhookSignature } from "../dist/index.js";

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json", ...headers } });

function fakeFetch(answers) {
  const seen = [];
  const fetch = async (request) => {
    seen.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });
    const next = answers.shift();
    return typeof next === "function" ? next(request) : next;
  };
  return { fetch, seen };
}

test("an unsafe call carries one Idempotency-Key, kept across its retries after Retry-After", async () => {
  const { fetch, seen } = fakeFetch([
    json(503, { status: 503, code: "SKILL_UNAVAILABLE", title: "x", trace_id: "t" }, { "Retry-After": "2" }),
    json(429, { status: 429, code: "RATE_LIMITED", title: "x", trace_id: "t" }, { "Retry-After": "1" }),
    json(201, { session_id: "s", nonce: "n", status: "SESSION_CREATED", expires_at: "2026-01-01T00:00:00Z" }),
  ]);
  const waits = [];
  const client = createFinqwareClient({ baseUrl: "http://api.test", fetch, sleep: async (ms) => void waits.push(ms) });
  const opened = await ok(client.POST("/sessions", { body: { client_id: "c", client_app_key: "k", skill: "s" } }));
  assert.equal(opened.status, "SESSION_CREATED");
  assert.deepEqual(waits, [2000, 1000]);
  assert.equal(seen.length, 3);
  const keys = new Set(seen.map((s) => s.headers["idempotency-key"]));
  assert.equal(keys.size, 1);
  assert.match([...keys][0], /^[0-9a-f-]{36}$/);
  assert.equal(seen[2].body, seen[0].body);
});

test("a safe call carries no Idempotency-Key, and retries stop after maxRetries", async () => {
  const { fetch, seen } = fakeFetch([1, 2, 3].map(() => json(503, { status: 503, code: "SERVICE_UNAVAILABLE", title: "x", trace_id: "t" })));
  const client = createFinqwareClient({ baseUrl: "http://api.test", fetch, maxRetries: 2, sleep: async () => {} });
  await assert.rejects(ok(client.GET("/skills")), (e) => e instanceof FinqwareProblem && e.status === 503 && e.code === "SERVICE_UNAVAILABLE");
  assert.equal(seen.length, 3);
  assert.equal(seen[0].headers["idempotency-key"], undefined);
});

test("a problem answer throws FinqwareProblem with code and trace_id", async () => {
  const { fetch } = fakeFetch([json(404, { status: 404, title: "No such session.", code: "SESSION_NOT_FOUND", trace_id: "abc123" })]);
  const client = createFinqwareClient({ baseUrl: "http://api.test", fetch, credentials: { clientId: "c", clientAppKey: "k" } });
  await assert.rejects(ok(client.GET("/sessions/{session_id}", { params: { path: { session_id: "00000000-0000-4000-8000-000000000000" } } })),
    (e) => e.code === "SESSION_NOT_FOUND" && e.traceId === "abc123" && e.status === 404);
});

test("client app credentials go as HTTP Basic client_id:client_app_key", async () => {
  const { fetch, seen } = fakeFetch([json(200, { skills: [] })]);
  const client = createFinqwareClient({ baseUrl: "http://api.test/", fetch, credentials: { clientId: "fqc_1", clientAppKey: "fqk_2" } });
  await ok(client.GET("/skills"));
  assert.equal(seen[0].headers.authorization, "Basic " + Buffer.from("fqc_1:fqk_2").toString("base64"));
  assert.equal(seen[0].url, "http://api.test/skills");
});

test("server credentials: one token request, the token reused until a minute before it expires, then renewed", async () => {
  let clock = 0;
  let issued = 0;
  const token = () => json(200, { access_token: `tok${++issued}`, token_type: "Bearer", expires_in: 900, scope: "" });
  const { fetch, seen } = fakeFetch([token, json(200, { connections: [] }), json(200, { connections: [] }), token, json(200, { connections: [] })]);
  const client = createFinqwareClient({ baseUrl: "http://api.test", fetch, now: () => clock, credentials: { clientId: "c", clientSecret: "s" } });
  await ok(client.GET("/connections"));
  clock = 800_000;
  await ok(client.GET("/connections"));
  clock = 841_000;
  await ok(client.GET("/connections"));
  assert.deepEqual(seen.map((s) => `${s.method} ${new URL(s.url).pathname} ${s.headers.authorization ?? ""}`), [
    `POST /oauth/token Basic ${Buffer.from("c:s").toString("base64")}`,
    "GET /connections Bearer tok1",
    "GET /connections Bearer tok1",
    `POST /oauth/token Basic ${Buffer.from("c:s").toString("base64")}`,
    "GET /connections Bearer tok2",
  ]);
  assert.equal(seen[0].body, "grant_type=client_credentials");
});

test("Retry-After is read as seconds or as an HTTP date", () => {
  assert.equal(retryAfterMs("5", 0), 5000);
  assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.equal(retryAfterMs(null, 0), 1000);
});

test("a webhook signature is checked against SHA-256(webhook_secret) as the key, and refused when altered or old", async () => {
  const secret = "whs_test_secret";
  const body = '{"event_id":"e1","type":"STEP_COMPLETED"}';
  const t = 1_700_000_000;
  const key = createHash("sha256").update(secret).digest();
  const v1 = createHmac("sha256", key).update(`${t}.${body}`).digest("hex");
  const header = `t=${t},v1=${v1}`;
  assert.equal(await verifyWebhookSignature({ secret, header, body, now: t + 10 }), true);
  assert.equal(await verifyWebhookSignature({ secret, header, body: body + " ", now: t + 10 }), false);
  assert.equal(await verifyWebhookSignature({ secret: "other", header, body, now: t + 10 }), false);
  assert.equal(await verifyWebhookSignature({ secret, header, body, now: t + 301 }), false);
  assert.equal(await verifyWebhookSignature({ secret, header: `t=${t}`, body, now: t }), false);
});
