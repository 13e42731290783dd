using Finqware.ServiceDefaults.Tokens;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Access;

/// <summary>
/// Validates tenant API tokens locally against TenantService's JWKS (<see cref="JwksTokenValidator"/>: keys cached,
/// refreshed on an unknown key id, validated tokens remembered for a minute at most).
/// </summary>
public sealed class TenantTokenValidator(IHttpClientFactory httpClients, IOptions<TenantTokenOptions> options, ILogger<TenantTokenValidator> logger)
{
    private readonly JwksTokenValidator validator = new(
        () => httpClients.CreateClient(nameof(TenantTokenValidator)),
        new JwksSettings(options.Value.Issuer, [options.Value.Audience], options.Value.JwksUri, options.Value.JwksCacheDuration, options.Value.JwksMinimumRefreshInterval),
        logger);

    /// <summary>The token's <c>client_id</c> when it is a valid tenant API token, else null.</summary>
    public async Task<string?> ValidateAsync(string token, CancellationToken cancellationToken) =>
        (await validator.ValidateAsync(token, cancellationToken))?.Claim("client_id");
}
