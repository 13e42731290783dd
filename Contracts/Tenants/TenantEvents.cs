namespace Finqware.Contracts.Tenants;

/// <summary>
/// A tenant app was created or changed (skills, keys, status). Carries everything another service needs to
/// authenticate the tenant's calls on its own: the hashes of its keys, including old values still in their grace
/// period. <see cref="Version"/> grows with every change, so a replica ignores an older copy that arrives late.
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

    public required IReadOnlyList<TenantKeyHash> Keys { get; init; }

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
