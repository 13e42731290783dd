using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Access;

/// <summary>
/// <see cref="AccessSchemes.ApiToken"/>: <c>Authorization: Bearer</c> with a tenant API token, validated locally against
/// TenantService's published keys (<see cref="TenantTokenValidator"/>), for a tenant that is active in SessionService's
/// replica. Other schemes are not its business (no result); a token that is not a JWT, forged, of another audience or
/// algorithm, or expired fails. It never throws for what a client sends.
/// </summary>
public sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TenantTokenValidator tokens, TenantAccess tenants)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (header.Parameter is not { Length: > 0 } token || await tokens.ValidateAsync(token, Context.RequestAborted) is not { } clientId)
        {
            return AuthenticateResult.Fail("The bearer token is not a valid API token.");
        }

        if (await tenants.ActiveTenantAsync(clientId, Context.RequestAborted) is null)
        {
            return AuthenticateResult.Fail("The token's tenant is not active.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(Caller.Principal(clientId, Scheme.Name), Scheme.Name));
    }
}
