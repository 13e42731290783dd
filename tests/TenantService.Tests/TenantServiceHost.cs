using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Finqware.TenantService.Tests;

/// <summary>
/// TenantService in-process on its own database and virtual host of the real servers, with a small real catalog of its
/// own on a loopback port (<see cref="FakeCatalog"/>), a controllable clock, every log line captured, and a bus listening to its events.
/// </summary>
public sealed class TenantServiceHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> factory;

    private readonly TestWebServer catalog;

    private TenantServiceHost(WebApplicationFactory<Program> factory, TestWebServer catalog, string database, string broker)
    {
        this.factory = factory;
        this.catalog = catalog;
        Database = database;
        Broker = broker;
    }

    public string Database { get; }

    public string Broker { get; }

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public ConcurrentQueue<string> Logs { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => factory.Services;

    public static async Task<TenantServiceHost> StartAsync(
        PostgresServerFixture postgres,
        RabbitMqFixture rabbit,
        Dictionary<string, string?>? settings = null,
        string? database = null,
        string? broker = null)
    {
        database ??= await postgres.CreateDatabaseAsync("tenants");
        broker ??= await rabbit.CreateVirtualHostAsync("tenants");
        var catalog = await FakeCatalog.StartAsync();
        TenantServiceHost? host = null;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            web.UseSetting("ConnectionStrings:tenantdb", database);
            web.UseSetting("ConnectionStrings:messaging", broker);
            web.UseSetting("services:catalog:http:0", catalog.Url);
            web.UseSetting("Outbox:PollInterval", "00:00:00.200");
            foreach (var (key, value) in settings ?? [])
            {
                web.UseSetting(key, value);
            }

            web.ConfigureLogging(logging => logging.AddProvider(new CapturingLoggerProvider(line => host!.Logs.Enqueue(line))));
            web.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(host!.Clock);
                services.AddSingleton<IStartupFilter, ClientAddress>();
            });
        });
        host = new TenantServiceHost(factory, catalog, database, broker);
        host.Client = factory.CreateClient();
        await host.Client.GetAsync(new Uri("/health", UriKind.Relative));
        return host;
    }

    public async Task<JsonElement> PostJsonAsync(string path, object body, string? token = null, int expectStatus = 200)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectStatus, $"POST {path}: expected {expectStatus}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(text);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token = null, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await Client.SendAsync(request);
    }

    /// <summary>Signs up a servicer and logs its admin in; returns (servicer_id, portal token).</summary>
    public async Task<(string ServicerId, string Token)> NewServicerAsync(string? email = null)
    {
        email ??= $"admin-{Guid.NewGuid():N}@example.com";
        var signUp = await PostJsonAsync("/servicers", new { name = "Acme", kind = "fintech", email, password = TestPassword }, expectStatus: 201);
        var login = await PostJsonAsync("/auth/token", new { email, password = TestPassword });
        return (signUp.GetProperty("servicer_id").GetString()!, login.GetProperty("access_token").GetString()!);
    }

    public async Task<JsonElement> NewTenantAsync(string servicerId, string token, params string[] skills) =>
        await PostJsonAsync($"/servicers/{servicerId}/tenants", new { name = "Wallet", environment = "sandbox", skills }, token, 201);

    public async Task<HttpResponseMessage> RequestTokenAsync(string clientId, string secret, bool basic = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/token");
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (basic)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}")));
        }
        else
        {
            form["client_id"] = clientId;
            form["client_secret"] = secret;
        }

        request.Content = new FormUrlEncodedContent(form);
        return await Client.SendAsync(request);
    }

    public const string TestPassword = "correct horse battery staple";

    /// <summary>Every row of every table of the service's database, as text.</summary>
    public Task<string> DumpDatabaseAsync() => DatabaseDump.ReadAsync(Database);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await factory.DisposeAsync();
        await catalog.DisposeAsync();
    }

    /// <summary>The test server gives requests no client address; a real server always has one (the audit log records it).</summary>
    private sealed class ClientAddress : IStartupFilter
    {
        public static readonly System.Net.IPAddress Value = System.Net.IPAddress.Parse("203.0.113.10");

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                context.Connection.RemoteIpAddress ??= Value;
                return following(context);
            });
            next(app);
        };
    }

    private sealed class CapturingLoggerProvider(Action<string> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Capturing(categoryName, sink);

        public void Dispose()
        {
        }

        private sealed class Capturing(string category, Action<string> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                sink($"{logLevel} {category}: {formatter(state, exception)} {values} {exception}");
            }
        }
    }
}

/// <summary>A real HTTP server on a loopback port that answers GET /skills/{id} like CatalogService does.</summary>
public static class FakeCatalog
{
    public static readonly Dictionary<string, string> Skills = new()
    {
        ["xyz_aisp_sbx_#1.0"] = "sandbox",
        ["xyz_sbx_#3.0"] = "sandbox",
        ["xyz_aisp_#1.0"] = "production",
    };

    public static Task<TestWebServer> StartAsync() => TestWebServer.StartAsync(app =>
        app.MapGet("/skills/{id}", (string id) => Skills.TryGetValue(id, out var flavor)
            ? Results.Json(new Dictionary<string, string> { ["skill_id"] = id, ["flavor"] = flavor, ["type"] = "aisp", ["status"] = "AVAILABLE" })
            : Results.Json(new Dictionary<string, string> { ["code"] = "SKILL_NOT_FOUND" }, statusCode: 404)));
}
