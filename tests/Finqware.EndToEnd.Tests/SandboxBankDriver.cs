using Microsoft.Extensions.Hosting;
using System.Globalization;
using System.Numerics;
using Finqware.AppHost.Hosting;
using Finqware.Contracts.Sessions;
using MassTransit;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// Drives sandbox bank sessions as a tenant would, through the gateway with a sandbox tenant of its own (its app key for
/// the user's side, its server token for reads), and records the data events the connector publishes on the system's
/// RabbitMQ (what SessionService's data APIs consume).
/// </summary>
public sealed class SandboxBankDriver : IAsyncDisposable
{
    public const string Aisp = "xyz_aisp_sbx_#1.0";
    public const string Pisp = "xyz_pisp_sbx_#1.0";

    /// <summary>The tenant's one registered redirect_uri.</summary>
    public const string RedirectUri = "https://app.example.com/bank-return?from=finqware";

    private readonly SystemFixture system;
    private readonly CancellationToken cancel;
    private IBusControl? bus;

    private SandboxBankDriver(SystemFixture system, CancellationToken cancel)
    {
        this.system = system;
        this.cancel = cancel;
    }

    public string ClientId { get; private set; } = "";

    public string AppKey { get; private set; } = "";

    public HttpClient Server { get; private set; } = null!;

    /// <summary>The tenant's client app and server driving sessions through the gateway.</summary>
    public SessionClient Sessions { get; private set; } = null!;

    public ConcurrentQueue<object> Events { get; } = new();

    /// <summary>
    /// A sandbox tenant of its own holding both xyz skills (created through the API once the catalog shows them
    /// available: the demo tenant only gets the skills the catalog showed in its first seconds), its server token and
    /// an event recorder.
    /// </summary>
    public static Task<SandboxBankDriver> StartAsync(SystemFixture system, CancellationToken cancel) =>
        StartAsync(system, "sandbox", [Aisp, Pisp], cancel);

    /// <summary>The same for a tenant of <paramref name="environment"/> holding <paramref name="skills"/> (one per system and environment).</summary>
    public static async Task<SandboxBankDriver> StartAsync(SystemFixture system, string environment, string[] skills, CancellationToken cancel)
    {
        var driver = new SandboxBankDriver(system, cancel);
        var gateway = system.Gateway;
        foreach (var skill in skills)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                var response = await gateway.GetAsync("/skills/" + Uri.EscapeDataString(skill), cancel);
                if (response.IsSuccessStatusCode
                    && (await response.Content.ReadFromJsonAsync<JsonElement>(cancel)).GetProperty("status").GetString() == "AVAILABLE")
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"{skill} did not become AVAILABLE within 60 s");
                await Task.Delay(250, cancel);
            }
        }

        (driver.ClientId, driver.AppKey, var token) = await TenantAsync(system, environment, skills, cancel);
        driver.Server = ContractChecked.Client(gateway.BaseAddress!);
        driver.Server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        driver.Sessions = new SessionClient(gateway, driver.ClientId, driver.AppKey, token);
        await driver.StartBusAsync();
        return driver;
    }

    private static readonly SemaphoreSlim TenantGate = new(1, 1);
    private static readonly Dictionary<(SystemFixture, string), (string ClientId, string AppKey, string Secret, string Token, DateTime At)> Tenants = [];

    /// <summary>
    /// One tenant (and server token) per booted system, shared by the tests: logins are rate limited. (A test that boots
    /// a second system gets a tenant there without making the assembly's system sign up another.)
    /// </summary>
    private static async Task<(string ClientId, string AppKey, string Token)> TenantAsync(SystemFixture system, string environment, string[] skills, CancellationToken cancel)
    {
        await TenantGate.WaitAsync(cancel);
        try
        {
            if (Tenants.TryGetValue((system, environment), out var known))
            {
                // Tenant tokens live 15 minutes.
                if (DateTime.UtcNow - known.At > TimeSpan.FromMinutes(10))
                {
                    Tenants[(system, environment)] = known = known with { Token = await TokenAsync(system.Gateway, known.ClientId, known.Secret, cancel), At = DateTime.UtcNow };
                }

                return (known.ClientId, known.AppKey, known.Token);
            }

            var gateway = system.Gateway;
            var email = $"bank-{Guid.NewGuid():N}@example.com";
            const string password = "a long sandbox bank password";
            var servicer = await (await gateway.PostAsJsonAsync("/servicers", new { name = "Bank tests", kind = "fintech", email, password }, cancel)).Content.ReadFromJsonAsync<JsonElement>(cancel);
            var login = await (await gateway.PostAsJsonAsync("/auth/token", new { email, password }, cancel)).Content.ReadFromJsonAsync<JsonElement>(cancel);
            using var create = new HttpRequestMessage(HttpMethod.Post, $"/servicers/{servicer.GetProperty("servicer_id").GetString()}/tenants")
            {
                Content = JsonContent.Create(new { name = "Bank tests app", environment, skills, redirect_uris = new[] { RedirectUri } }),
            };
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("access_token").GetString());
            var created = await gateway.SendAsync(create, cancel);
            var app = await created.Content.ReadFromJsonAsync<JsonElement>(cancel);
            Assert.True(created.IsSuccessStatusCode, app.ToString());
            var clientId = app.GetProperty("client_id").GetString()!;
            var secret = app.GetProperty("client_secret").GetString()!;
            var appKey = app.GetProperty("client_app_key").GetString()!;
            var token = await TokenAsync(gateway, clientId, secret, cancel);
            Tenants[(system, environment)] = (clientId, appKey, secret, token, DateTime.UtcNow);
            return (clientId, appKey, token);
        }
        finally
        {
            TenantGate.Release();
        }
    }

    private static async Task<string> TokenAsync(HttpClient gateway, string clientId, string secret, CancellationToken cancel)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        });
        var token = await (await gateway.PostAsync("/oauth/token", form, cancel)).Content.ReadFromJsonAsync<JsonElement>(cancel);
        return token.GetProperty("access_token").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Server?.Dispose();
        if (bus is not null)
        {
            await bus.StopAsync(cancel);
        }
    }

    /// <summary>Opens a session of <paramref name="skill"/> as the tenant's client app (its server reads with its token).</summary>
    public Task<DrivenSession> OpenAsync(string skill) => Sessions.OpenAsync(skill, cancel);

    /// <summary>Credentials and SCA of an AISP session for <paramref name="username"/> (pass_good), up to the SCA step's first answer.</summary>
    public async Task<(DrivenSession Session, JsonElement Sca)> ConsentAsync(string username, object? sca = null)
    {
        var session = await OpenAsync(Aisp);
        await session.CompleteAsync("credentials", new { username, password = "pass_good" }, cancel);
        return (session, await session.RunAsync("sca", sca ?? new { otp = "123456" }, cancel));
    }

    /// <summary>Follows a redirect action's URL as the user's browser would (no credentials), and approves or denies there.</summary>
    public async Task<HttpResponseMessage> DecideOnBankPageAsync(string url, string decision, string? token = null)
    {
        using var browser = new HttpClient();
        var page = await browser.GetAsync(new Uri(url), cancel);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(cancel);
        var action = System.Text.RegularExpressions.Regex.Match(html, "<form method=\"post\" action=\"([^\"]+)\"").Groups[1].Value;
        var hidden = System.Text.RegularExpressions.Regex.Match(html, "name=\"token\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.Contains($"value=\"{decision}\"", html, StringComparison.Ordinal);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token ?? hidden, ["decision"] = decision });
        return await browser.PostAsync(new Uri(new Uri(url), action), form, cancel);
    }

    public IEnumerable<T> EventsOf<T>() => Events.OfType<T>();

    /// <summary>Waits until <paramref name="condition"/> holds for the recorded events.</summary>
    public async Task<T> EventuallyAsync<T>(Func<T?> probe) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No such {typeof(T).Name} within 30 s.");
            await Task.Delay(100, cancel);
        }
    }

    public async Task SendToSkillQueueAsync<T>(string skill, T message) where T : class
    {
        var endpoint = await bus!.GetSendEndpoint(new Uri($"queue:{Contracts.Skills.SkillQueues.For(skill)}"));
        await endpoint.Send(message, cancel);
    }

    /// <summary>ISO 13616 mod-97, written again here so the test does not trust the connector's own.</summary>
    public static bool IbanIsValid(string iban) =>
        BigInteger.Parse(string.Concat((iban[4..] + iban[..4]).Select(c => char.IsAsciiDigit(c) ? c.ToString() : (c - 'A' + 10).ToString(CultureInfo.InvariantCulture))), CultureInfo.InvariantCulture) % 97 == 1;

    private async Task StartBusAsync()
    {
        var address = BrokerAddress.Parse(((RabbitMqResource)system.Host["messaging"]).ConnectionString!);
        bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address);
            rabbit.ReceiveEndpoint($"test-sandbox-bank-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                // One at a time, so Events keeps the order the connector published in (tests compare status histories).
                endpoint.PrefetchCount = 1;
                endpoint.ConcurrentMessageLimit = 1;
                endpoint.Handler<ConnectionDataSynced>(Record);
                endpoint.Handler<ConnectionRefreshFailed>(Record);
                endpoint.Handler<PaymentInitiated>(Record);
                endpoint.Handler<PaymentStatusChanged>(Record);
            });
        });
        await bus.StartAsync(cancel);
    }

    private Task Record<T>(ConsumeContext<T> context) where T : class
    {
        Events.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}
