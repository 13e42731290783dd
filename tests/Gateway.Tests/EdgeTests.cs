using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Finqware.Gateway.Tests;

/// <summary>
/// The gateway's edge in front of one real HTTP service on a loopback port (standing in for every service) that echoes
/// what it received: budgets per caller with the RateLimit headers and 429 problems, the body handed on unchanged after
/// the edge read its client_id, X-Forwarded-For taken from trusted proxies only, and 503 problems for a service that is down.
/// </summary>
public sealed class EdgeTests : IAsyncLifetime
{
    private WebApplication echo = null!;
    private string echoAddress = null!;
    private WebApplicationFactory<Program> gateway = null!;
    private HttpClient client = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        echo = builder.Build();
        echo.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            await context.Response.WriteAsJsonAsync(new Dictionary<string, string>
            {
                ["path"] = context.Request.Path,
                ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(body.ToArray())),
                ["forwarded_for"] = context.Request.Headers["X-Forwarded-For"].ToString(),
            });
        });
        await echo.StartAsync();
        echoAddress = echo.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            foreach (var name in new[] { "catalog", "tenants", "sessions", "sandbox-bank" })
            {
                web.UseSetting($"ReverseProxy:Clusters:{name}:Destinations:d1:Address", echoAddress);
            }

            web.UseSetting("EdgeTokens:JwksUri", echoAddress + "/.well-known/jwks.json");
            web.UseSetting("RateLimits:Classes:client:PermitLimit", "3");
            web.UseSetting("RateLimits:Classes:anonymous:PermitLimit", "5");
            web.UseSetting("RateLimits:Classes:anonymous:Window", "01:00:00");
        });
        client = gateway.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await gateway.DisposeAsync();
        await echo.DisposeAsync();
    }

    [Fact]
    public async Task A_client_apps_budget_is_counted_per_client_id_with_the_ratelimit_headers_then_429_with_retry_after()
    {
        for (var i = 0; i < 3; i++)
        {
            var ok = await SendAsync(HttpMethod.Get, "/sessions/s1", basic: "fqc_budget:key");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("\"client\";q=3;w=60", ok.Headers.GetValues("RateLimit-Policy").Single());
            Assert.Matches($"^\"client\";r={2 - i};t=([1-9]|[1-5][0-9]|60)$", ok.Headers.GetValues("RateLimit").Single());
        }

        var refused = await SendAsync(HttpMethod.Get, "/sessions/s1", basic: "fqc_budget:key");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("RATE_LIMITED", problem.GetProperty("code").GetString());
        Assert.Matches("^\"client\";r=0;t=[0-9]+$", refused.Headers.GetValues("RateLimit").Single());
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);

        // Another tenant's client app has a budget of its own.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/sessions/s1", basic: "fqc_other:key")).StatusCode);
    }

    [Fact]
    public async Task A_target_or_headers_over_their_limits_are_refused_with_a_problem_before_any_service_sees_them()
    {
        var longTarget = await client.GetAsync("/sessions/" + new string('a', 4090), Cancel);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longTarget.StatusCode);
        Assert.Equal("application/problem+json", longTarget.Content.Headers.ContentType?.MediaType);
        var problem = await longTarget.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(("URI_TOO_LONG", 414), (problem.GetProperty("code").GetString(), problem.GetProperty("status").GetInt32()));
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString());

        using var large = new HttpRequestMessage(HttpMethod.Get, "/sessions/s1");
        large.Headers.Add("X-Padding", new string('h', 25_000));
        var largeHeaders = await client.SendAsync(large, Cancel);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, largeHeaders.StatusCode);
        Assert.Equal("HEADERS_TOO_LARGE", (await largeHeaders.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString());

        // Just under both limits, the service answers.
        using var under = new HttpRequestMessage(HttpMethod.Get, "/sessions/" + new string('a', 4000));
        under.Headers.Add("X-Padding", new string('h', 20_000));
        var answered = await client.SendAsync(under, Cancel);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("/sessions/" + new string('a', 4000), (await answered.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("path").GetString());
    }

    [Fact]
    public async Task The_client_id_of_a_json_body_or_an_upload_form_names_the_budget_and_the_body_goes_on_unchanged()
    {
        var json = "{\"nonce\": \"n\", \"data\": {\"client_id\": \"nested, not this\"}, \"client_id\": \"fqc_body\", \"skill\": \"s\"}";
        for (var i = 0; i < 2; i++)
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            var answer = await client.PostAsync("/sessions/s1/steps", content, Cancel);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal(Sha256(Encoding.UTF8.GetBytes(json)), (await answer.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("sha256").GetString());
        }

        var file = RandomNumberGenerator.GetBytes(200_000);
        using var form = new MultipartFormDataContent("boundary-edge-test")
        {
            { new StringContent("fqc_body"), "client_id" },
            { new StringContent("n"), "nonce" },
            { new StringContent("id_document"), "kind" },
            { new ByteArrayContent(file), "file", "id.pdf" },
        };
        var sent = await form.ReadAsByteArrayAsync(Cancel);
        var upload = await client.PostAsync("/steps/st1/upload", form, Cancel);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(Sha256(sent), (await upload.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("sha256").GetString());
        Assert.Matches("^\"client\";r=0;t=", upload.Headers.GetValues("RateLimit").Single());

        // The same tenant with HTTP Basic: the same budget, now spent.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(HttpMethod.Get, "/sessions/s1", basic: "fqc_body:key")).StatusCode);
    }

    [Fact]
    public async Task Anonymous_callers_are_counted_per_address_from_a_trusted_proxys_x_forwarded_for()
    {
        for (var i = 0; i < 5; i++)
        {
            var ok = await SendAsync(HttpMethod.Get, "/skills", forwardedFor: "203.0.113.7");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("\"anonymous\";q=5;w=3600", ok.Headers.GetValues("RateLimit-Policy").Single());
            // The service behind sees the client's address as the gateway determined it, and only that.
            Assert.Equal("203.0.113.7", (await ok.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("forwarded_for").GetString());
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(HttpMethod.Get, "/skills", forwardedFor: "203.0.113.7")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/skills", forwardedFor: "203.0.113.8")).StatusCode);

        // A forged or unknown bearer token is anonymous: it spends the address's budget, never a tenant's.
        var forged = await SendAsync(HttpMethod.Get, "/connections", forwardedFor: "203.0.113.9", bearer: "x.y.z");
        Assert.StartsWith("\"anonymous\";", forged.Headers.GetValues("RateLimit-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Routes_outside_the_public_api_carry_no_ratelimit_headers()
    {
        var health = await client.GetAsync("/health", Cancel);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(health.Headers.Contains("RateLimit"));
    }

    [Fact]
    public async Task A_service_that_is_down_is_a_503_problem_with_retry_after_never_a_bare_502()
    {
        await echo.StopAsync(Cancel);

        var answer = await SendAsync(HttpMethod.Post, "/sessions", basic: "fqc_down:key");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("SERVICE_UNAVAILABLE", problem.GetProperty("code").GetString());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString());
        Assert.NotNull(answer.Headers.RetryAfter?.Delta);
        Assert.True(answer.Headers.Contains("RateLimit"));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? basic = null, string? bearer = null, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (basic is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic)));
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await client.SendAsync(request, Cancel);
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
