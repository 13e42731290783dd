namespace Finqware.TenantService.Tokens;

/// <summary>The authorisation of a route and its contract (security scheme, the 401 codes of the bearer challenge) in one call.</summary>
public static class AuthConventions
{
    public static TBuilder RequirePortalToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(AuthPolicies.Portal).Secured(ApiSecurity.PortalToken).Problems(StatusCodes.Status401Unauthorized, "TOKEN_REQUIRED", "INVALID_TOKEN");

    public static TBuilder RequireApiToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(AuthPolicies.Api).Secured(ApiSecurity.ApiToken).Problems(StatusCodes.Status401Unauthorized, "TOKEN_REQUIRED", "INVALID_TOKEN");
}
