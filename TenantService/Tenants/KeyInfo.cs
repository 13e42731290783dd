namespace Finqware.TenantService.Tenants;

/// <summary>A key's metadata; its value is never shown again after creation or rotation.</summary>
public sealed record KeyInfo(string Key, DateTimeOffset CreatedAt, DateTimeOffset? ValidUntil);
