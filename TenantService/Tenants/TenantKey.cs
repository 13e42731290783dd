namespace Finqware.TenantService.Tenants;

/// <summary>
/// One value of one of a tenant's keys, stored only as its SHA-256; a webhook secret as its signing key sealed to
/// SessionService, with the SHA-256 of that key as <see cref="Hash"/> (a fingerprint that cannot sign).
/// </summary>
public sealed class TenantKey
{
    public required Guid Id { get; init; }

    public required string ClientId { get; init; }

    /// <summary>app_key, secret or webhook_secret.</summary>
    public required string Kind { get; init; }

    /// <summary>SHA-256 of the value, lowercase hex (webhook secret: of its signing key).</summary>
    public required string Hash { get; init; }

    /// <summary>Webhook secrets only: the signing key sealed to SessionService (<see cref="WebhookKeySealer"/>).</summary>
    public string? SealedSigningKey { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Null for the current value; the end of the grace period once rotated (or the revocation time).</summary>
    public DateTimeOffset? ValidUntil { get; set; }

    public bool IsValidAt(DateTimeOffset now) => ValidUntil is null || ValidUntil > now;
}
