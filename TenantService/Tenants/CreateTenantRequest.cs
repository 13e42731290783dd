using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Tenants;

public sealed record CreateTenantRequest(
    [property: Required, MaxLength(200)] string? Name,
    [property: Required, AllowedValues("sandbox", "production")] string? Environment,
    [property: Required, MaxLength(100), ItemsMaxLength(128)] IReadOnlyList<string>? Skills,
    [property: MaxLength(2048), Url] string? WebhookUrl,
    [property: MaxLength(TenantSettings.MaxEntries), ItemsMaxLength(TenantSettings.MaxOriginLength)] IReadOnlyList<string>? AllowedOrigins = null,
    [property: MaxLength(TenantSettings.MaxEntries), ItemsMaxLength(TenantSettings.MaxUriLength)] IReadOnlyList<string>? RedirectUris = null);
