namespace Finqware.ServiceDefaults.Data.Idempotency;

/// <summary>
/// One Idempotency-Key of one caller in a service's database (table <c>idempotency_keys</c>): while its first request
/// runs, then the answer it got, kept until <see cref="ExpiresAt"/>. Neither the key nor the answer is stored in clear:
/// <see cref="Id"/> is a hash of the caller and the key, and the answer's body is encrypted with a key derived from the
/// client's key and the request (<see cref="IdempotencyCipher"/>), so that a stored answer (a session's nonce, a tenant's
/// new secrets) is readable only by a caller that sends the same request again.
/// </summary>
public sealed class IdempotencyRecord
{
    /// <summary>SHA-256 (hex) of the caller's scope and the Idempotency-Key.</summary>
    public required string Id { get; init; }

    /// <summary>SHA-256 (hex) of the request: method, path and query, content type, body.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Null while the first request runs; its status once answered.</summary>
    public int? Status { get; set; }

    public string? ContentType { get; set; }

    public string? Location { get; set; }

    /// <summary>AES-GCM: 12-byte nonce, ciphertext, 16-byte tag.</summary>
    public byte[]? Body { get; set; }

    /// <summary>While running: when the first request counts as abandoned (its process died) and a retry may take over.</summary>
    public DateTimeOffset? LockedUntil { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; set; }
}
