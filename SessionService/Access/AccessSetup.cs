using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Tenants;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;

namespace Finqware.SessionService.Access;

/// <summary>
/// SessionService's access, in ASP.NET Core's terms: two authentication schemes (client app key, API token), two
/// policies that route groups require, one writer of refusals, and the security schemes of the OpenAPI document.
/// </summary>
public static class AccessSetup
{
    public static IHostApplicationBuilder AddSessionAccess(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TenantTokenOptions>().BindConfiguration(TenantTokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TenantTokenValidator>();
        builder.Services.AddHttpClient(nameof(TenantTokenValidator));
        builder.Services.AddScoped<TenantAccess>();
        builder.Services.AddOptions<TenantRegistryOptions>().BindConfiguration(TenantRegistryOptions.Section);
        builder.Services.AddSingleton<TenantRegistry>();
        // At most 2 s: a read-through is on a tenant's request path, and a miss is answered from the replica anyway.
        builder.Services.AddHttpClient(nameof(TenantRegistry), http =>
        {
            http.BaseAddress = new Uri("http://tenants");
            http.Timeout = TimeSpan.FromSeconds(2);
        });

        // No default scheme: a route authenticates only with the schemes its policy names, and only when it has one.
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ClientAppKeyHandler>(AccessSchemes.ClientAppKey, null)
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(AccessSchemes.ApiToken, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AccessPolicies.ClientAppOrServer, policy => policy.AddAuthenticationSchemes(AccessSchemes.ClientAppKey, AccessSchemes.ApiToken).RequireAuthenticatedUser())
            .AddPolicy(AccessPolicies.Server, policy => policy.AddAuthenticationSchemes(AccessSchemes.ApiToken).RequireAuthenticatedUser());
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessRefusalWriter>();

        builder.Services.Configure<OpenApiOptions>("v1", options => options
            .AddDocumentTransformer<AccessOpenApi>()
            .AddOperationTransformer<AccessOpenApi>());
        return builder;
    }

    /// <summary>The route group is for the tenant's client app (statuses) or its server (everything): <see cref="AccessPolicies.ClientAppOrServer"/>.</summary>
    public static TBuilder RequireClientAppOrServer<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(AccessPolicies.ClientAppOrServer).WithMetadata(AccessRefusal.ClientAppOrServer)
            .Problems(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized);

    /// <summary>The route group is for the tenant's server only (<see cref="AccessPolicies.Server"/>); others get <paramref name="refusal"/>.</summary>
    public static TBuilder RequireServer<TBuilder>(this TBuilder builder, AccessRefusal refusal) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(AccessPolicies.Server).WithMetadata(refusal)
            .Problems(StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized);

    /// <summary>The route takes its credentials in its body (<see cref="BodyCredentials"/>); its workflow checks them.</summary>
    public static TBuilder WithBodyCredentials<TBuilder>(this TBuilder builder, BodyCredentials credentials) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(credentials);
}
