export declare const webhookSignatureHeader = "Finqware-Signature";
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
/** The v1 value for a timestamp and body. */
export declare function webhookSignature(secret: string, timestamp: number, body: string): Promise<string>;
/** True when the header signs the body with the secret, recently. Compares in constant time. */
export declare function verifyWebhookSignature({ secret, header, body, toleranceSeconds, now }: WebhookCheck): Promise<boolean>;
