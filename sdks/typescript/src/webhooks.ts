// Verifies the Finqware-Signature header of a webhook: t=<unix seconds>,v1=<hex HMAC-SHA256(key, t + "." + body)>, with
// key = the 32-byte SHA-256 of the tenant's webhook_secret (docs/sessions.md). Web Crypto: Node 20+ and browsers alike.

export const webhookSignatureHeader = "Finqware-Signature";

export interface WebhookCheck {
  /** The tenant's webhook_secret. */
  secret: string;
  /** The Finqware-Signature header. */
  header: string | null | undefined;
  /** The request body exactly as received (not re-serialized JSON). */
  body: string;
  /** Refuse signatures older (or newer) than this, in seconds (default 300): replays. */
  toleranceSeconds?: number;
  /** Now, in unix seconds (default: the clock). */
  now?: number;
}

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The v1 value for a timestamp and body. */
export async function webhookSignature(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.digest("SHA-256", encoder.encode(secret));
  const hmac = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", hmac, encoder.encode(`${timestamp}.${body}`)));
}

/** True when the header signs the body with the secret, recently. Compares in constant time. */
export async function verifyWebhookSignature({ secret, header, body, toleranceSeconds = 300, now = Math.floor(Date.now() / 1000) }: WebhookCheck): Promise<boolean> {
  if (!header) return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(",")) {
    const [name, value] = part.trim().split("=", 2);
    if (name === "t" && value !== undefined && /^\d+$/.test(value)) timestamp = Number(value);
    else if (name === "v1" && value !== undefined) candidates.push(value.toLowerCase());
  }
  if (timestamp === undefined || candidates.length === 0 || Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = await webhookSignature(secret, timestamp, body);
  let matched = false;
  for (const candidate of candidates) {
    let difference = candidate.length ^ expected.length;
    for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ (candidate.charCodeAt(i) || 0);
    matched = difference === 0 || matched;
  }
  return matched;
}
