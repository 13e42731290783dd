namespace Finqware.Contracts.Tenants;

/// <summary>
/// A tenant app was created or changed (skills, keys, status). Carries everything another service needs to
/// authenticate the tenant's calls on its own: the hashes of its keys, including old values still in their grace
/// period, and its webhook signing keys sealed to SessionService. <see cref="Version"/> grows with every change, so a
/// replica ignores an older copy that arrives late.
/// </summary>
public sealed record TenantUpserted
{
    public required string ClientId { get; init; }

    public required Guid ServicerId { get; init; }

    public required string Name { get; init; }

    /// <summary>sandbox or production.</summary>
    public required string Environment { get; init; }

    public required IReadOnlyList<string> Skills { get; init; }

    /// <summary>ACTIVE or SUSPENDED.</summary>
    public required string Status { get; init; }

    public string? WebhookUrl { get; init; }

    /// <summary>The origins (<c>scheme://host[:port]</c>) whose browser apps may call the client routes (CORS).</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Where a redirect SCA may send the user back to (a step's <c>redirect_uri</c> must be one of them).</summary>
    public IReadOnlyList<string> RedirectUris { get; init; } = [];

    /// <summary>The hashes of the client app key and the client secret (never of the webhook secret: see <see cref="WebhookKeys"/>).</summary>
    public required IReadOnlyList<TenantKeyHash> Keys { get; init; }

    /// <summary>The webhook signing keys (the current one, and one in its grace period after a rotation), sealed.</summary>
    public IReadOnlyList<SealedWebhookKey> WebhookKeys { get; init; } = [];

    public required long Version { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The tenant was deleted: its keys stop working everywhere.</summary>
public sealed record TenantRemoved
{
    public required string ClientId { get; init; }

    public required Guid ServicerId { get; init; }

    public required long Version { get; init; }

    public required DateTimeOffset RemovedAt { get; init; }
}

/// <summary>
/// The SHA-256 (lowercase hex) of one key value. <see cref="ValidUntil"/> is null for the current value and the end of
/// the grace period for a rotated one.
/// </summary>
public sealed record TenantKeyHash
{
    /// <summary>app_key, secret or webhook_secret.</summary>
    public required string Kind { get; init; }

    public required string Sha256 { get; init; }

    public DateTimeOffset? ValidUntil { get; init; }
}

/// <summary>
/// A webhook signing key (the SHA-256 of a webhook secret, what the tenant verifies with) sealed to SessionService's
/// public key (<c>SealedBox</c>, docs/security.md): only SessionService, which signs webhooks, can open it. TenantService
/// keeps and publishes it so, and can neither read nor sign with it; nor can anyone who reads the broker.
/// </summary>
public sealed record SealedWebhookKey
{
    public required Guid KeyId { get; init; }

    /// <summary>The sealed form, base64, for <see cref="ContextFor"/> of the tenant and this key.</summary>
    public required string Sealed { get; init; }

    /// <summary>Null for the current key; the end of the grace period for a rotated one (both sign meanwhile).</summary>
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>What a key is sealed for: it opens for this tenant and key id only.</summary>
    public static string ContextFor(string clientId, Guid keyId) => $"webhook signing key|{clientId}|{keyId}";
}
