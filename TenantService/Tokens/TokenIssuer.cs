using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.TenantService.Tokens;

/// <summary>Issues the two kinds of JWT: portal tokens (servicer users) and API tokens (tenant servers).</summary>
public sealed class TokenIssuer(SigningKeyStore keys, IOptions<TokenIssuingOptions> options, TimeProvider clock)
{
    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Scopes of an API token: read sessions and consented data, initiate payments.</summary>
    public const string ApiScopes = "sessions:read data:read payments:write";

    public IssuedToken IssuePortalToken(Guid userId, Guid servicerId, string role) => Issue(
        TokenIssuingOptions.PortalAudience,
        options.Value.PortalTokenLifetime,
        new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = userId.ToString(),
            [ClaimNames.Servicer] = servicerId.ToString(),
            [ClaimNames.Role] = role,
        });

    public IssuedToken IssueApiToken(string clientId, Guid servicerId, string environment) => Issue(
        TokenIssuingOptions.ApiAudience,
        options.Value.TenantTokenLifetime,
        new Dictionary<string, object>
        {
            [JwtRegisteredClaimNames.Sub] = clientId,
            [ClaimNames.ClientId] = clientId,
            [ClaimNames.Servicer] = servicerId.ToString(),
            [ClaimNames.Environment] = environment,
            [ClaimNames.Scope] = ApiScopes,
        });

    private IssuedToken Issue(string audience, TimeSpan lifetime, Dictionary<string, object> claims)
    {
        var now = clock.GetUtcNow();
        claims[JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N");
        var token = Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Value.Issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = claims,
            SigningCredentials = keys.Current,
        });
        return new IssuedToken(token, (int)lifetime.TotalSeconds);
    }
}
