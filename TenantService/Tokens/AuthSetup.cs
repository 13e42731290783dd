using System.Threading.RateLimiting;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.TenantService.Tokens;

public static class AuthSetup
{
    /// <summary>
    /// Two bearer schemes, one per audience, so that a portal token is never accepted where an API token is required
    /// and the reverse. Keys come from <see cref="SigningKeyStore"/> (the same keys the JWKS publishes).
    /// </summary>
    public static IHostApplicationBuilder AddTokenAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddAuthentication()
            .AddJwtBearer(AuthPolicies.Portal)
            .AddJwtBearer(AuthPolicies.Api);
        foreach (var (scheme, audience) in new[] { (AuthPolicies.Portal, TokenIssuingOptions.PortalAudience), (AuthPolicies.Api, TokenIssuingOptions.ApiAudience) })
        {
            builder.Services.AddOptions<JwtBearerOptions>(scheme).Configure<SigningKeyStore, IOptions<TokenIssuingOptions>>((jwt, keys, tokens) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = tokens.Value.Issuer,
                    ValidAudience = audience,
                    IssuerSigningKeyResolver = (_, _, _, _) => keys.ValidationKeys,
                    ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                jwt.Events = new JwtBearerEvents { OnChallenge = context => WriteChallengeAsync(context, audience) };
            });
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Portal, policy => policy.AddAuthenticationSchemes(AuthPolicies.Portal).RequireAuthenticatedUser())
            .AddPolicy(AuthPolicies.Api, policy => policy.AddAuthenticationSchemes(AuthPolicies.Api).RequireAuthenticatedUser());
        return builder;
    }

    public static IHostApplicationBuilder AddEdgeRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(RateLimits.Login, context => PerClientAddress(context, o => o.LoginPermits));
            limiter.AddPolicy(RateLimits.OAuth, context => PerClientAddress(context, o => o.TokenPermits));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var problem = new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests.",
                    Detail = $"Slow down: retry after {(int)Math.Ceiling(retryAfter.TotalSeconds)} s (see Retry-After).",
                };
                problem.Extensions[ApiProblems.CodeKey] = ProblemCodes.RateLimited;
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>()
                    .WriteAsync(new ProblemDetailsContext { HttpContext = context.HttpContext, ProblemDetails = problem });
            };
        });
        return builder;
    }

    private static RateLimitPartition<string> PerClientAddress(HttpContext context, Func<RateLimitOptions, int> permits)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits(options),
            Window = options.Window,
            QueueLimit = 0,
        });
    }

    private static async Task WriteChallengeAsync(JwtBearerChallengeContext context, string audience)
    {
        context.HandleResponse();
        var missing = string.IsNullOrEmpty(context.Request.Headers.Authorization);
        var how = audience == TokenIssuingOptions.PortalAudience
            ? "a portal token from POST /auth/token"
            : "an API token from POST /oauth/token";
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = missing ? "Bearer realm=\"finqware\"" : "Bearer realm=\"finqware\", error=\"invalid_token\"";
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status401Unauthorized,
            Title = missing ? "A bearer token is required." : "The bearer token is not valid here.",
            Detail = $"Send Authorization: Bearer <token>, with {how}." + (missing ? "" : " It may have expired, or be a token of the other kind."),
        };
        problem.Extensions[ApiProblems.CodeKey] = missing ? "TOKEN_REQUIRED" : "INVALID_TOKEN";
        await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context.HttpContext, ProblemDetails = problem });
    }
}
