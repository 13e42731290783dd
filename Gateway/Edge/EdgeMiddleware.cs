using Finqware.ServiceDefaults.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Finqware.Gateway.Edge;

/// <summary>
/// The edge features every public route goes through before it is proxied (or answered by the gateway itself): a target
/// or headers over their limits are refused (<see cref="RequestSizeLimits"/>); a CORS
/// preflight is answered (<see cref="EdgeCors"/>); the caller is identified once (<see cref="EdgeCallers"/>), its origin
/// checked against its tenant's (<see cref="EdgeCors"/>), then counted against its budget (<see cref="EdgeRateLimiter"/>).
/// </summary>
public static class EdgeMiddleware
{
    public static IHostApplicationBuilder AddEdge(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<EdgeTokenOptions>().BindConfiguration(EdgeTokenOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpClient(nameof(EdgeCallers));
        builder.Services.AddSingleton(services =>
        {
            var options = services.GetRequiredService<IOptions<EdgeTokenOptions>>().Value;
            var clients = services.GetRequiredService<IHttpClientFactory>();
            return new JwksTokenValidator(
                () => clients.CreateClient(nameof(EdgeCallers)),
                new JwksSettings(options.Issuer, [EdgeCallers.ApiAudience, EdgeCallers.PortalAudience], options.JwksUri, options.JwksCacheDuration, options.JwksMinimumRefreshInterval),
                services.GetRequiredService<ILogger<EdgeCallers>>());
        });
        builder.Services.AddSingleton<EdgeCallers>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EdgeRateLimiter>();
        builder.Services.AddOptions<CorsOptions>().BindConfiguration(CorsOptions.Section);
        builder.Services.AddHttpClient(nameof(TenantOrigins), http =>
        {
            http.BaseAddress = new Uri("http://tenants");
            http.Timeout = TimeSpan.FromSeconds(2);
        });
        builder.Services.AddSingleton<TenantOrigins>();
        builder.Services.AddSingleton<EdgeCors>();
        return RequestSizeLimits.AddRequestSizeLimits(builder);
    }

    public static IApplicationBuilder UseEdge(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!await RequestSizeLimits.CheckAsync(context))
        {
            return;
        }

        if (!EdgeRoutes.IsLimited(context.Request.Path))
        {
            await next(context);
            return;
        }

        var cors = context.RequestServices.GetRequiredService<EdgeCors>();
        if (EdgeCors.IsPreflight(context.Request))
        {
            await cors.AnswerPreflightAsync(context);
            return;
        }

        var caller = await context.RequestServices.GetRequiredService<EdgeCallers>().IdentifyAsync(context);
        if (await cors.ApplyAsync(context, caller) && await context.RequestServices.GetRequiredService<EdgeRateLimiter>().TryAcquireAsync(context, caller))
        {
            await next(context);
            if (EdgeRoutes.ChangedTenant(context.Request.Method, context.Request.Path) is { } changed && context.Response.StatusCode is >= 200 and < 300)
            {
                context.RequestServices.GetRequiredService<TenantOrigins>().Forget(changed);
            }
        }
    });
}

/// <summary>Where the edge checks bearer tokens (to count a budget per tenant or user): TenantService's published keys.</summary>
public sealed class EdgeTokenOptions
{
    public const string Section = "EdgeTokens";

    [System.ComponentModel.DataAnnotations.Required]
    public string Issuer { get; set; } = "finqware";

    /// <summary><c>tenants</c> is resolved by service discovery.</summary>
    public Uri JwksUri { get; set; } = new("http://tenants/.well-known/jwks.json");

    public TimeSpan JwksCacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan JwksMinimumRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}
