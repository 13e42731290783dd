import { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";
export type { components, paths, operations } from "./schema.js";
export { verifyWebhookSignature, webhookSignatureHeader } from "./webhooks.js";
export type Problem = components["schemas"]["Problem"];
export type FinqwareClient = Client<paths>;
/** Who calls: a tenant's client app, a tenant's server, a servicer's developer, or nobody in particular. */
export type Credentials = {
    clientId: string;
    clientAppKey: string;
} | {
    clientId: string;
    clientSecret: string;
} | {
    portalToken: string;
};
export interface FinqwareClientOptions {
    /** The gateway, e.g. http://localhost:5080. */
    baseUrl: string;
    credentials?: Credentials;
    /** How often a 429 or 503 answer is retried, each time after its Retry-After (default 3). */
    maxRetries?: number;
    /** The longest wait between retries, whatever Retry-After says (default 30 s). */
    maxRetryDelayMs?: number;
    fetch?: typeof globalThis.fetch;
    sleep?: (ms: number) => Promise<void>;
    now?: () => number;
}
/** A problem answer (RFC 9457): branch on `code`, quote `traceId` to support. */
export declare class FinqwareProblem extends Error {
    readonly status: number;
    readonly code: string;
    readonly traceId: string | undefined;
    readonly problem: Partial<Problem>;
    constructor(status: number, problem: Partial<Problem>);
}
/**
 * The data of an openapi-fetch result, or a thrown FinqwareProblem:
 * `const session = await ok(client.POST("/sessions", { body }))`.
 */
export declare function ok<T>(call: Promise<{
    data?: T;
    error?: unknown;
    response: Response;
}>): Promise<T>;
/** An Idempotency-Key (a new UUID) on every unsafe request that has none; the retries below resend the same request. */
export declare const idempotencyKeys: Middleware;
/** Seconds (or an HTTP date) of Retry-After as milliseconds; 1 s when absent. */
export declare function retryAfterMs(header: string | null, now: number): number;
/** fetch that retries 429 and 503 after Retry-After, resending a copy of the same request (same Idempotency-Key). */
export declare function retryingFetch(inner: typeof globalThis.fetch, { maxRetries, maxRetryDelayMs, sleep, now }?: Pick<FinqwareClientOptions, "maxRetries" | "maxRetryDelayMs" | "sleep" | "now">): typeof globalThis.fetch;
/**
 * Authorization for the credentials: Basic client_id:client_app_key, a portal token, or API tokens from POST /oauth/token
 * (client credentials), cached until a minute before they expire and dropped when an answer is 401.
 */
export declare function authorization(credentials: Credentials, baseUrl: string, send: typeof globalThis.fetch, now?: () => number): Middleware;
/** A typed client of the Finqware API: every path, body and answer of the public document. */
export declare function createFinqwareClient(options: FinqwareClientOptions): FinqwareClient;
