using System.Reflection;
using System.Security.Claims;

namespace Finqware.SessionService.Access;

/// <summary>
/// Who is calling, and how much they may see: bound from the principal the route group's policy authenticated, so an
/// endpoint never reads a credential itself. <see cref="IsServer"/> is true for the tenant's server (API token).
/// </summary>
public sealed record Caller(string ClientId, bool IsServer)
{
    /// <summary>The claim that names the tenant, on every principal SessionService's handlers issue.</summary>
    public const string ClientIdClaim = "client_id";

    public static ClaimsPrincipal Principal(string clientId, string scheme) =>
        new(new ClaimsIdentity([new Claim(ClientIdClaim, clientId)], scheme));

    /// <summary>
    /// Minimal APIs bind a <see cref="Caller"/> parameter with this. An endpoint that takes one without an access policy
    /// is a programming error, not a client's: it fails loudly.
    /// </summary>
    public static ValueTask<Caller> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        foreach (var identity in context.User.Identities)
        {
            if (identity.IsAuthenticated && identity.FindFirst(ClientIdClaim)?.Value is { } clientId
                && identity.AuthenticationType is AccessSchemes.ApiToken or AccessSchemes.ClientAppKey)
            {
                return ValueTask.FromResult(new Caller(clientId, identity.AuthenticationType == AccessSchemes.ApiToken));
            }
        }

        throw new InvalidOperationException($"{context.GetEndpoint()?.DisplayName} takes a {nameof(Caller)} ({parameter.Name}) but its route group has no access policy.");
    }
}
