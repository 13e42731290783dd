namespace Finqware.TenantService.Tenants;

/// <summary>A tenant app of a servicer: its software that consumes the Finqware API.</summary>
public sealed class Tenant
{
    public required string ClientId { get; init; }

    public required Guid ServicerId { get; init; }

    public required string Name { get; set; }

    /// <summary>sandbox or production.</summary>
    public required string Environment { get; init; }

    public List<string> Skills { get; set; } = [];

    public string? WebhookUrl { get; set; }

    /// <summary>ACTIVE, or REMOVED once deleted (kept so the id is never reused).</summary>
    public required string Status { get; set; }

    /// <summary>Grows with every change; replicas keep the highest.</summary>
    public long Version { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; set; }

    public List<TenantKey> Keys { get; set; } = [];
}

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

public static class KeyKinds
{
    public const string AppKey = "app_key";
    public const string Secret = "secret";
    public const string WebhookSecret = "webhook_secret";

    public static readonly string[] All = [AppKey, Secret, WebhookSecret];
}

public static class TenantStatus
{
    public const string Active = "ACTIVE";
    public const string Removed = "REMOVED";
}
