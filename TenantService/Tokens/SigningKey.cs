namespace Finqware.TenantService.Tokens;

/// <summary>An ES256 key pair that signs tokens; the private half is stored encrypted.</summary>
public sealed class SigningKey
{
    public required string Kid { get; init; }

    public required string Algorithm { get; init; }

    /// <summary>The public key as a JWK (JSON).</summary>
    public required string PublicJwk { get; init; }

    /// <summary>AES-256-GCM of the PKCS#8 private key: nonce (12) | tag (16) | ciphertext, base64.</summary>
    public required string ProtectedPrivateKey { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a newer key took over; null for the key that signs now.</summary>
    public DateTimeOffset? RetiredAt { get; set; }
}
