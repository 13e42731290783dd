using System.ComponentModel.DataAnnotations;

namespace Finqware.SessionService.Access;

/// <summary>Where tenant API tokens come from and how their keys are cached (<see cref="TenantTokenValidator"/>), checked at start.</summary>
public sealed class TenantTokenOptions
{
    public const string Section = "TenantTokens";

    [Required(ErrorMessage = "TenantTokens:Issuer is required (finqware).")]
    public string Issuer { get; set; } = "finqware";

    /// <summary>The audience of tenant API tokens (TenantService's <c>POST /oauth/token</c>).</summary>
    [Required(ErrorMessage = "TenantTokens:Audience is required (finqware-api).")]
    public string Audience { get; set; } = "finqware-api";

    /// <summary>Where the signing keys are published; <c>tenants</c> is resolved by service discovery.</summary>
    [Required(ErrorMessage = "TenantTokens:JwksUri is required (http://tenants/.well-known/jwks.json).")]
    public Uri JwksUri { get; set; } = new("http://tenants/.well-known/jwks.json");

    public TimeSpan JwksCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most one refresh in this interval when a token names a key we do not know.</summary>
    public TimeSpan JwksMinimumRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
