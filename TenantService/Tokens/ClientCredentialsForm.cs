using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Tokens;

public sealed record ClientCredentialsForm(
    [property: Required, AllowedValues("client_credentials")] string GrantType,
    [property: MaxLength(64)] string? ClientId,
    [property: MaxLength(256)] string? ClientSecret);
