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

    /// <summary>Origins (<c>scheme://host[:port]</c>, normalised) whose browser apps may call the client routes.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Where a redirect SCA may send the user back to.</summary>
    public List<string> RedirectUris { get; set; } = [];

    /// <summary>ACTIVE, or REMOVED once deleted (kept so the id is never reused).</summary>
    public required string Status { get; set; }

    /// <summary>Grows with every change; replicas keep the highest.</summary>
    public long Version { get; set; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; set; }

    public List<TenantKey> Keys { get; set; } = [];
}
