namespace Finqware.TenantService.Tenants;

public sealed record KeyResponse(string Key, string Value, DateTimeOffset? OldValueValidUntil);
