using System.Security.Cryptography;
using Finqware.Contracts.Skills;
using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Security;
using Finqware.SessionService.Infrastructure;
using Finqware.SkillConnectors.Sdk;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.SessionService.Tests;

/// <summary>
/// SessionService in-process on its own database and RabbitMQ virtual host, with what surrounds it in production
/// played for real: a bus that publishes the tenant and catalog events, a JWKS server that signs tenant API tokens
/// like TenantService, and a connector built on the SDK that serves the test skills over RabbitMQ.
/// </summary>
public sealed class SessionHost : IAsyncDisposable
{
    private readonly ECDsa signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private WebApplicationFactory<Program>? factory;
    private WebApplication? connector;
    private WebApplication? jwks;
    private IBusControl? bus;

    public string Database { get; private set; } = "";

    public string Broker { get; private set; } = "";

    public string ConnectorDatabase { get; private set; } = "";

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => factory!.Services;

    internal HttpMessageHandler Handler() => factory?.Server.CreateHandler() ?? throw new HttpRequestException("SessionService is stopped.");

    public string JwksUrl { get; private set; } = "";

    public static async Task<SessionHost> StartAsync(PostgresServerFixture postgres, RabbitMqFixture rabbit, bool withConnector = true)
    {
        var host = new SessionHost
        {
            Database = await postgres.CreateDatabaseAsync("sessions"),
            ConnectorDatabase = await postgres.CreateDatabaseAsync("connector"),
            Broker = await rabbit.CreateVirtualHostAsync("sessions"),
        };
        await host.StartJwksAsync();
        await host.StartServiceAsync();
        await host.StartBusAsync();
        await host.PublishUntilAsync(
            async () =>
            {
                await host.PublishAsync(new SkillRegistered { Manifest = TestSkills.AispManifest, Connector = host.BrokerUser, RegisteredAt = DateTimeOffset.UtcNow });
                await host.PublishAsync(new SkillRegistered { Manifest = TestSkills.DepositManifest, Connector = host.BrokerUser, RegisteredAt = DateTimeOffset.UtcNow });
            },
            async db => await db.Skills.CountAsync() == 2);
        if (withConnector)
        {
            await host.StartConnectorAsync();
        }

        return host;
    }

    public async Task StartServiceAsync()
    {
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            web.UseSetting("ConnectionStrings:sessiondb", Database);
            web.UseSetting("ConnectionStrings:messaging", Broker);
            web.UseSetting("TenantTokens:JwksUri", JwksUrl);
            web.UseSetting("Outbox:PollInterval", "00:00:00.200");
            web.UseSetting("Webhooks:PollInterval", "00:00:00.200");
            web.UseSetting("Webhooks:InitialBackoff", "00:00:00.500");
            web.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        });
        Client = factory.CreateClient();
        using var health = await Client.GetAsync(new Uri("/health", UriKind.Relative));
    }

    public async Task StopServiceAsync()
    {
        Client.Dispose();
        if (factory is not null)
        {
            await factory.DisposeAsync();
            factory = null;
        }
    }

    /// <summary>A real connector process-in-a-process on the SDK: own database, heartbeats, the skills' queues.</summary>
    public async Task StartConnectorAsync(bool waitForHeartbeat = true)
    {
        var builder = ConnectorHost.CreateBuilder(
        [
            $"--ConnectionStrings:connectordb={ConnectorDatabase}",
            $"--ConnectionStrings:messaging={Broker}",
            "--services:sessions:http:0=http://sessions.test",
            "--urls=http://127.0.0.1:0",
            "--Connector:HeartbeatInterval=00:00:01",
            // Stopping it in a test must not make the skill unavailable at once (the restart test relies on it).
            "--Connector:SayGoodbye=false",
            "--Logging:LogLevel:Default=Warning",
        ]);
        // Attachments are read from the in-process SessionService.
        builder.Services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(() => new ToSessionService(this)));
        builder.AddSkill(TestSkills.AispManifest).HandleStep<EchoStepHandler>("consent")
            .AddSkill(TestSkills.DepositManifest)
            .HandleStep<EchoStepHandler>("product_form").HandleStep<EchoStepHandler>("kyc").HandleStep<EchoStepHandler>("confirm");
        builder.Services.AddTransient<EchoStepHandler>();
        connector = builder.Build();
        await connector.StartAsync();
        if (waitForHeartbeat)
        {
            await WaitForAsync(async db => await db.SkillInstances.CountAsync() >= 2);
        }
    }

    public async Task StopConnectorAsync()
    {
        if (connector is not null)
        {
            await connector.StopAsync();
            await connector.DisposeAsync();
            connector = null;
        }
    }

    /// <summary>A tenant as TenantService would publish it; returns its client id, app key and webhook secret.</summary>
    public async Task<TestTenant> NewTenantAsync(string? webhookUrl = null, params string[] skills)
    {
        var tenant = new TestTenant($"fqc_{Guid.NewGuid():N}"[..20], $"fqak_{Guid.NewGuid():N}", $"fqwh_{Guid.NewGuid():N}");
        await PublishTenantAsync(tenant, 1, webhookUrl, skills, (tenant.WebhookSecret, null));
        return tenant;
    }

    /// <summary>
    /// Publishes <paramref name="tenant"/> at <paramref name="version"/> as TenantService does: key hashes, and each webhook
    /// secret's signing key sealed to this service's key (with the end of its grace period, null for the current one).
    /// </summary>
    public Task PublishTenantAsync(TestTenant tenant, long version, string? webhookUrl, string[] skills, params (string Secret, DateTimeOffset? ValidUntil)[] webhookSecrets)
    {
        var sealTo = SealedBox.ImportPublicKey(SealedBox.PublicKeyOf(Services.GetRequiredService<IConfiguration>()["WebhookSealing:PrivateKey"]!));
        var webhookKeys = webhookSecrets.Select(w =>
        {
            var keyId = Guid.NewGuid();
            var sealedKey = SealedBox.Seal(sealTo, SHA256.HashData(Encoding.UTF8.GetBytes(w.Secret)), SealedWebhookKey.ContextFor(tenant.ClientId, keyId));
            return new SealedWebhookKey { KeyId = keyId, Sealed = sealedKey, ValidUntil = w.ValidUntil };
        }).ToList();
        return PublishUntilAsync(() => PublishAsync(new TenantUpserted
        {
            ClientId = tenant.ClientId, ServicerId = Guid.NewGuid(), Name = "Wallet", Environment = "sandbox",
            Skills = skills.Length > 0 ? skills : [TestSkills.Aisp, TestSkills.Deposit], Status = "ACTIVE", WebhookUrl = webhookUrl,
            Keys =
            [
                new TenantKeyHash { Kind = "app_key", Sha256 = Sha(tenant.AppKey) },
                new TenantKeyHash { Kind = "secret", Sha256 = Sha("unused") },
            ],
            WebhookKeys = webhookKeys,
            Version = version, UpdatedAt = DateTimeOffset.UtcNow,
        }), async db => await db.Tenants.AnyAsync(t => t.ClientId == tenant.ClientId && t.Version >= version));
    }

    /// <summary>An API token as TenantService's POST /oauth/token issues it (ES256, audience finqware-api, claim client_id).</summary>
    public string ApiToken(string clientId, string audience = "finqware-api", DateTime? expires = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "finqware",
        Audience = audience,
        IssuedAt = (expires ?? DateTime.UtcNow.AddMinutes(15)).AddMinutes(-15),
        NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(15)).AddMinutes(-15),
        Expires = expires ?? DateTime.UtcNow.AddMinutes(15),
        Claims = new Dictionary<string, object> { ["client_id"] = clientId, ["sub"] = clientId, ["scope"] = "sessions:read data:read" },
        SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(signingKey) { KeyId = "test-key" }, SecurityAlgorithms.EcdsaSha256),
    });

    public Task PublishAsync<T>(T message) where T : class => bus!.Publish(message);

    /// <summary>Publishes under a given message id, as the broker redelivers a message.</summary>
    public Task PublishAsync<T>(T message, Guid messageId) where T : class =>
        bus!.Publish(message, context => context.MessageId = messageId);

    /// <summary>
    /// Publishes until the service shows it received the message: right after start the service's queues may not be
    /// bound yet, and a published event nobody's queue is bound to is dropped by RabbitMQ.
    /// </summary>
    public async Task PublishUntilAsync(Func<Task> publish, Func<SessionDbContext, Task<bool>> received)
    {
        for (var attempt = 0; ; attempt++)
        {
            await publish();
            try
            {
                await WaitForAsync(received, seconds: 3);
                return;
            }
            catch (Xunit.Sdk.XunitException) when (attempt < 10)
            {
            }
        }
    }

    public async Task WaitForAsync(Func<SessionDbContext, Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            await using (var scope = Services.CreateAsyncScope())
            {
                if (await condition(scope.ServiceProvider.GetRequiredService<SessionDbContext>()))
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold in time.");
            await Task.Delay(100);
        }
    }

    public async Task<T> QueryAsync<T>(Func<SessionDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<SessionDbContext>());
    }

    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body = null, AuthenticationHeaderValue? auth = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body is string raw ? new StringContent(raw, Encoding.UTF8, "application/json") : JsonContent.Create(body);
        }

        request.Headers.Authorization = auth;
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(text));
    }

    /// <summary><paramref name="tenant"/>'s client app and server (an API token of its own) driving sessions on this service.</summary>
    public SessionClient Sessions(TestTenant tenant) => new(Client, tenant.ClientId, tenant.AppKey, ApiToken(tenant.ClientId));

    /// <summary>Opens a session of <paramref name="skill"/> and submits its consent step (user_good); returns both ids.</summary>
    public async Task<(Guid SessionId, Guid StepId)> SubmitConsentAsync(TestTenant tenant, string skill)
    {
        var session = await Sessions(tenant).OpenAsync(skill);
        return (session.Id, (await session.SubmitAsync("consent", new { user = "user_good" })).StepId);
    }

    /// <summary>An upload with any client id and nonce (the refusals' tests); a session's own uploads go through <see cref="DrivenSession.UploadAsync"/>.</summary>
    public async Task<(int Status, JsonElement Body)> UploadAsync(Guid stepId, string clientId, string nonce, string kind, byte[] content, string fileName = "doc.bin")
    {
        using var form = DrivenSession.UploadForm(clientId, nonce, kind, content, fileName);
        using var response = await Client.PostAsync(new Uri($"/steps/{stepId}/upload", UriKind.Relative), form);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonSerializer.Deserialize<JsonElement>(text));
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public static string Sha(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public static byte[] Pdf(int size = 2000) => [.. "%PDF-1.7\n"u8.ToArray(), .. Enumerable.Range(0, size).Select(i => (byte)(i % 251))];

    public static byte[] Png(int size = 2000) => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. Enumerable.Range(0, size).Select(i => (byte)(i % 13))];

    private async Task StartJwksAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        jwks = builder.Build();
        var key = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(signingKey) { KeyId = "test-key" });
        var document = JsonSerializer.Serialize(new { keys = new[] { new { kty = key.Kty, kid = key.Kid, crv = key.Crv, x = key.X, y = key.Y, use = "sig", alg = "ES256" } } });
        jwks.MapGet("/.well-known/jwks.json", () => Results.Text(document, "application/json"));
        await jwks.StartAsync();
        JwksUrl = jwks.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/.well-known/jwks.json";
    }

    /// <summary>
    /// The broker user of this host's bus and of its connectors: the skills it registers belong to it (it plays the
    /// catalog and the connectors at once), and its messages carry it (<see cref="BrokerSender"/>).
    /// </summary>
    public string BrokerUser => BrokerAddress.Parse(Broker).Username;

    private async Task StartBusAsync()
    {
        var address = BrokerAddress.Parse(Broker);
        bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address);
            BrokerSender.Stamp(rabbit, address.Username);
        });
        await bus.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopConnectorAsync();
        await StopServiceAsync();
        if (bus is not null)
        {
            await bus.StopAsync();
        }

        if (jwks is not null)
        {
            await jwks.DisposeAsync();
        }

        signingKey.Dispose();
    }
}

/// <summary>Sends to whichever SessionService instance is running now (the restart test replaces it).</summary>
internal sealed class ToSessionService(SessionHost host) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var invoker = new HttpMessageInvoker(host.Handler(), disposeHandler: true);
        return await invoker.SendAsync(request, cancellationToken);
    }
}

public sealed record TestTenant(string ClientId, string AppKey, string WebhookSecret);
