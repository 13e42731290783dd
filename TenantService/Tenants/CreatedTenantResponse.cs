namespace Finqware.TenantService.Tenants;

public sealed record CreatedTenantResponse(
    string ClientId,
    string ClientAppKey,
    string ClientSecret,
    string WebhookSecret,
    string Name,
    string Environment,
    IReadOnlyList<string> Skills,
    string? WebhookUrl,
    IReadOnlyList<string> AllowedOrigins,
    IReadOnlyList<string> RedirectUris);
