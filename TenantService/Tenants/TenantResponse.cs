namespace Finqware.TenantService.Tenants;

public sealed record TenantResponse(
    string ClientId,
    Guid ServicerId,
    string Name,
    string Environment,
    IReadOnlyList<string> Skills,
    string? WebhookUrl,
    IReadOnlyList<string> AllowedOrigins,
    IReadOnlyList<string> RedirectUris,
    string Status,
    IReadOnlyList<KeyInfo> Keys,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static TenantResponse From(Tenant tenant) => new(
        tenant.ClientId,
        tenant.ServicerId,
        tenant.Name,
        tenant.Environment,
        tenant.Skills,
        tenant.WebhookUrl,
        tenant.AllowedOrigins,
        tenant.RedirectUris,
        tenant.Status,
        tenant.Keys.OrderBy(k => k.Kind).ThenBy(k => k.CreatedAt).Select(k => new KeyInfo(k.Kind, k.CreatedAt, k.ValidUntil)).ToList(),
        tenant.CreatedAt,
        tenant.UpdatedAt);
}
