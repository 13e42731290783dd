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
/// The gateway in front of three small real HTTP services on loopback ports (standing in for catalog, tenants and
/// sessions): routes by prefix, reports their health at /health/services while its own /health (its readiness) stays
/// its own, serves the API reference and answers problems itself.
/// </summary>
public sealed class GatewayTests : IAsyncLifetime
{
    private readonly Dictionary<string, Downstream> downstreams = [];
    private WebApplicationFactory<Program> gateway = null!;
    private HttpClient client = null!;

    public async ValueTask InitializeAsync()
    {
        foreach (var name in new[] { "catalog", "tenants", "sessions", "sandbox-bank" })
        {
            downstreams[name] = await Downstream.StartAsync(name);
        }

        gateway = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            foreach (var (name, downstream) in downstreams)
            {
                web.UseSetting($"ReverseProxy:Clusters:{name}:Destinations:d1:Address", downstream.Address);
            }
        });
        client = gateway.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await gateway.DisposeAsync();
        foreach (var downstream in downstreams.Values)
        {
            await downstream.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("/skills", "catalog")]
    [InlineData("/skills/xyz_aisp_sbx_%231.0", "catalog")]
    [InlineData("/servicers", "tenants")]
    [InlineData("/tenants/abc", "tenants")]
    [InlineData("/auth/token", "tenants")]
    [InlineData("/oauth/token", "tenants")]
    [InlineData("/.well-known/jwks.json", "tenants")]
    [InlineData("/usage", "tenants")]
    [InlineData("/activity", "sessions")]
    [InlineData("/sessions", "sessions")]
    [InlineData("/steps/1/upload", "sessions")]
    [InlineData("/connections", "sessions")]
    [InlineData("/accounts/a1/transactions", "sessions")]
    [InlineData("/transactions/sync", "sessions")]
    [InlineData("/payments/p1", "sessions")]
    [InlineData("/applications/x", "sessions")]
    [InlineData("/sandbox/authorise/0b7c3a52-4a3e-4bb4-9a3c-2f5d0f5e8a11", "sandbox-bank")]
    public async Task Routes_each_prefix_to_its_service(string path, string service)
    {
        var response = await client.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(service, body.GetProperty("service").GetString());
        Assert.Equal(path.Split('?')[0], body.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Unknown_route_is_answered_by_the_gateway_with_a_404_problem()
    {
        var response = await client.GetAsync("/no-such-thing", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("ROUTE_NOT_FOUND", problem.GetProperty("code").GetString());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString());
        Assert.All(downstreams.Values, d => Assert.Empty(d.Requests));
    }

    [Fact]
    public async Task Services_health_is_healthy_when_every_service_is()
    {
        var response = await client.GetAsync("/health/services", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        // The sandbox bank is a connector the gateway routes to, not a service whose health it reports.
        foreach (var name in downstreams.Keys.Where(n => n != "sandbox-bank"))
        {
            Assert.Equal("Healthy", health.GetProperty("checks").GetProperty(name).GetProperty("status").GetString());
            Assert.Contains("/health", downstreams[name].Requests);
        }

        Assert.False(health.GetProperty("checks").TryGetProperty("sandbox-bank", out _));
    }

    [Fact]
    public async Task A_service_down_leaves_the_gateway_ready_names_the_service_and_its_routes_answer_503_problems()
    {
        await downstreams["sessions"].DisposeAsync();

        // Readiness is the gateway alone: one service down must not take every gateway instance out of the load balancer.
        var ready = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var own = await ready.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(["self"], own.GetProperty("checks").EnumerateObject().Select(c => c.Name));

        var response = await client.GetAsync("/health/services", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Unhealthy", health.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", health.GetProperty("checks").GetProperty("sessions").GetProperty("status").GetString());
        Assert.Contains("sessions is not reachable", health.GetProperty("checks").GetProperty("sessions").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", health.GetProperty("checks").GetProperty("catalog").GetProperty("status").GetString());

        var proxied = await client.GetAsync("/sessions/abc", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, proxied.StatusCode);
        var problem = await proxied.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("SERVICE_UNAVAILABLE", problem.GetProperty("code").GetString());
        Assert.True(proxied.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task Serves_the_api_reference_and_every_services_openapi_document()
    {
        var docs = await client.GetAsync("/docs/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        var html = await docs.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        foreach (var document in new[] { "openapi/catalog.json", "openapi/tenants.json", "openapi/sessions.json", "openapi/gateway.json" })
        {
            Assert.Contains(document, html, StringComparison.Ordinal);
        }

        foreach (var name in downstreams.Keys.Where(n => n != "sandbox-bank"))
        {
            var document = await client.GetFromJsonAsync<JsonElement>($"/openapi/{name}.json", TestContext.Current.CancellationToken);
            Assert.Equal(name, document.GetProperty("service").GetString());
            Assert.Equal("/openapi/v1.json", document.GetProperty("path").GetString());
        }

        var own = await client.GetFromJsonAsync<JsonElement>("/openapi/gateway.json", TestContext.Current.CancellationToken);
        Assert.StartsWith("3.", own.GetProperty("openapi").GetString(), StringComparison.Ordinal);
    }

    /// <summary>A real HTTP server on a free loopback port that echoes which service it is and what it was asked.</summary>
    private sealed class Downstream : IAsyncDisposable
    {
        private WebApplication? app;

        private Downstream(WebApplication app, string address)
        {
            this.app = app;
            Address = address;
        }

        public string Address { get; }

        public ConcurrentQueue<string> Requests { get; } = new();

        public static async Task<Downstream> StartAsync(string name)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            Downstream? self = null;
            app.Run(async context =>
            {
                self!.Requests.Enqueue(context.Request.Path);
                await context.Response.WriteAsJsonAsync(new Dictionary<string, string> { ["service"] = name, ["path"] = context.Request.Path });
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            self = new Downstream(app, address);
            return self;
        }

        public async ValueTask DisposeAsync()
        {
            if (app is not null)
            {
                await app.DisposeAsync();
                app = null;
            }
        }
    }
}
