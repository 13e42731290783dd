using System.Net.Http.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.SessionService.Auth;

/// <summary>
/// The keys that sign API tokens, fetched from TenantService's JWKS (<c>http://tenants/.well-known/jwks.json</c>) and
/// cached, so tokens are validated locally: TenantService is not called on the request path.
/// </summary>
public sealed partial class JwksCache(IHttpClientFactory clients, TimeProvider clock, ILogger<JwksCache> logger)
{
    public const string HttpClientName = "tenants-jwks";
    private volatile IReadOnlyList<SecurityKey> keys = [];
    private DateTimeOffset fetchedAt = DateTimeOffset.MinValue;
    private readonly SemaphoreSlim refresh = new(1, 1);

    public IReadOnlyList<SecurityKey> Keys(string? kid)
    {
        var stale = clock.GetUtcNow() - fetchedAt > TimeSpan.FromMinutes(5);
        var unknown = kid is not null && keys.All(k => k.KeyId != kid) && clock.GetUtcNow() - fetchedAt > TimeSpan.FromSeconds(10);
        if (stale || unknown)
        {
            // Refresh in the background: a rotated key is picked up within seconds; this validation uses what is cached.
            _ = RefreshAsync();
        }

        return keys;
    }

    public async Task RefreshAsync()
    {
        if (!await refresh.WaitAsync(0))
        {
            return;
        }

        try
        {
            var set = await clients.CreateClient(HttpClientName).GetFromJsonAsync<JsonWebKeySet>("/.well-known/jwks.json");
            keys = set?.GetSigningKeys().ToList() ?? [];
            fetchedAt = clock.GetUtcNow();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or Polly.ExecutionRejectedException)
        {
            LogFetchFailed(logger, ex.Message);
        }
        finally
        {
            refresh.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the token keys from TenantService: {Reason}")]
    private static partial void LogFetchFailed(ILogger logger, string reason);
}

/// <summary>Fetches the keys at start (retrying while TenantService comes up) without holding up the start.</summary>
internal sealed class JwksWarmUp(JwksCache cache) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested && cache.Keys(null).Count == 0)
        {
            await cache.RefreshAsync();
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}

public static class TenantTokenAuthentication
{
    public const string Policy = "tenant-api";

    public static IHostApplicationBuilder AddTenantTokenAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<JwksCache>();
        builder.Services.AddHostedService<JwksWarmUp>();
        builder.Services.AddHttpClient(JwksCache.HttpClientName, http => http.BaseAddress = new Uri("http://tenants"));
        builder.Services.AddAuthentication().AddJwtBearer(Policy);
        builder.Services.AddOptions<JwtBearerOptions>(Policy).Configure<JwksCache, IConfiguration>((jwt, jwks, configuration) =>
        {
            jwt.MapInboundClaims = false;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = configuration["Tokens:Issuer"] ?? "finqware",
                ValidAudience = "finqware-api",
                IssuerSigningKeyResolver = (_, _, kid, _) => jwks.Keys(kid),
                ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            jwt.Events = new JwtBearerEvents
            {
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var missing = string.IsNullOrEmpty(context.Request.Headers.Authorization);
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer realm=\"finqware\"";
                    var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
                    {
                        Status = 401,
                        Title = missing ? "A bearer token is required." : "The bearer token is not valid.",
                        Detail = "Your server reads sessions with an API token: POST /oauth/token with client_id and client_secret, then send Authorization: Bearer <token>. A client_app_key cannot read session data.",
                    };
                    problem.Extensions["code"] = missing ? "TOKEN_REQUIRED" : "INVALID_TOKEN";
                    await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>()
                        .WriteAsync(new ProblemDetailsContext { HttpContext = context.HttpContext, ProblemDetails = problem });
                },
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Policy).RequireAuthenticatedUser());
        return builder;
    }
}
