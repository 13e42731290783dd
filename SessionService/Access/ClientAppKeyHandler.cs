using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Access;

/// <summary>
/// <see cref="AccessSchemes.ClientAppKey"/>: HTTP Basic <c>client_id:client_app_key</c>, checked against SessionService's
/// replica of the tenant (<see cref="TenantAccess.ByAppKeyAsync"/>). Anything else in <c>Authorization</c> is not its
/// business (no result); a Basic credential that is malformed, too long, unknown or of a suspended tenant fails. It
/// never throws for what a client sends.
/// </summary>
public sealed class ClientAppKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TenantAccess tenants)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>Longer than any client_id (64) and app key (512) could make it, base64 encoded.</summary>
    private const int MaxParameterLength = 1024;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (header.Parameter is not { Length: > 0 and <= MaxParameterLength } parameter || !Base64.IsValid(parameter))
        {
            return AuthenticateResult.Fail("The Basic credential is not base64.");
        }

        var pair = Encoding.UTF8.GetString(Convert.FromBase64String(parameter)).Split(':', 2);
        if (pair.Length != 2 || await tenants.ByAppKeyAsync(pair[0], pair[1], Context.RequestAborted) is not { } tenant)
        {
            return AuthenticateResult.Fail("The client_id and client_app_key do not match an active tenant.");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(Caller.Principal(tenant.ClientId, Scheme.Name), Scheme.Name));
    }
}
