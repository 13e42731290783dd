using Finqware.AppHost.Hosting;
using Finqware.AppHost.Infrastructure;
using Finqware.SkillConnectors.Sdk;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// A connector built on the SDK, run in the test process against the booted system's broker and PostgreSQL, the way
/// a skill provider deploys one beside Finqware: it announces its skills to the catalog, serves their queues and reads
/// attachments from SessionService with the grant each ProcessStep carries.
/// </summary>
public sealed class TestConnector : IAsyncDisposable
{
    private readonly WebApplication app;

    private TestConnector(WebApplication app) => this.app = app;

    public static async Task<TestConnector> StartAsync(SystemFixture system, Action<ConnectorHost> skills)
    {
        var postgres = (PostgresResource)system.Host["postgres"];
        var database = $"testconnector{Guid.NewGuid():N}"[..30];
        await LocalPostgres.CreateDatabaseAsync(postgres.ServerConnectionString!, database, CancellationToken.None);
        var builder = ConnectorHost.CreateBuilder(
        [
            $"--ConnectionStrings:connectordb={postgres.ConnectionStringFor(database)}",
            // Its own broker user, as every connector has (SystemFixture.TestConnectorUser: provider e2e, its skills' queues).
            $"--ConnectionStrings:messaging={system.TestConnectorBroker}",
            $"--services:sessions:http:0={((ProjectResource)system.Host["sessions"]).Url}",
            "--Connector:HeartbeatInterval=00:00:01",
            "--urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
        ]);
        skills(builder);
        var app = builder.Build();
        await app.StartAsync();
        return new TestConnector(app);
    }

    /// <summary>Waits until the catalog lists <paramref name="skillId"/> as AVAILABLE (the tenant registry checks skills there).</summary>
    public static async Task WaitUntilAvailableAsync(HttpClient gateway, string skillId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await gateway.GetAsync(new Uri($"/skills/{Uri.EscapeDataString(skillId)}", UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK && JsonSerializer.Deserialize<JsonElement>(body).GetProperty("status").GetString() == "AVAILABLE")
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{skillId} did not become AVAILABLE in the catalog: {(int)response.StatusCode} {body}");
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>A tenant made through the gateway as a servicer would make it, with its API token.</summary>
public sealed record GatewayTenant(string ClientId, string AppKey, string Secret, string WebhookSecret, string ApiToken)
{
    private static int servicers;

    public static async Task<GatewayTenant> CreateAsync(HttpClient gateway, IReadOnlyList<string> skills, string? webhookUrl = null)
    {
        var email = $"e2e-{Guid.NewGuid():N}@example.com";
        var signUp = await (await gateway.PostAsJsonAsync("/servicers", new { name = "E2E", kind = "fintech", email, password = "a long enough password" })).Content.ReadFromJsonAsync<JsonElement>();
        // Logins are limited per client address (10 a minute): each servicer here logs in from an address of its own
        // (TEST-NET-2, through the gateway's trusted hop; ApiTenants uses TEST-NET-3), so the suite's sign-ups do not
        // spend one loopback budget (a quiet machine runs them fast enough to spend it).
        using var loginRequest = new HttpRequestMessage(HttpMethod.Post, "/auth/token") { Content = JsonContent.Create(new { email, password = "a long enough password" }) };
        loginRequest.Headers.Add("X-Forwarded-For", $"198.51.100.{(Interlocked.Increment(ref servicers) % 254) + 1}");
        var login = await (await gateway.SendAsync(loginRequest)).Content.ReadFromJsonAsync<JsonElement>();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/servicers/{signUp.GetProperty("servicer_id").GetString()}/tenants")
        {
            Content = JsonContent.Create(new { name = "E2E app", environment = "sandbox", skills, webhook_url = webhookUrl }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("access_token").GetString());
        using var created = await gateway.SendAsync(request);
        var tenant = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.StatusCode == HttpStatusCode.Created, tenant.ToString());

        var clientId = tenant.GetProperty("client_id").GetString()!;
        var secret = tenant.GetProperty("client_secret").GetString()!;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret });
        var token = await (await gateway.PostAsync(new Uri("/oauth/token", UriKind.Relative), form)).Content.ReadFromJsonAsync<JsonElement>();
        return new GatewayTenant(clientId, tenant.GetProperty("client_app_key").GetString()!, secret, tenant.GetProperty("webhook_secret").GetString()!,
            token.GetProperty("access_token").GetString()!);
    }

    /// <summary>Its client app and its server driving sessions through <paramref name="gateway"/>.</summary>
    public SessionClient Sessions(HttpClient gateway) => new(gateway, ClientId, AppKey, ApiToken);
}
