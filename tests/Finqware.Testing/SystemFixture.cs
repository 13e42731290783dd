using Finqware.AppHost;
using Finqware.AppHost.Hosting;
using Finqware.AppHost.Infrastructure;
using Xunit;

namespace Finqware.Testing;

/// <summary>
/// The whole system, booted through the AppHost library exactly as <c>./run.sh</c> declares it, on free ports with
/// its own state directory and throwaway (fsync-off) infrastructure. Share it per assembly with
/// <c>[assembly: AssemblyFixture(typeof(SystemFixture))]</c>.
/// </summary>
public sealed class SystemFixture : IAsyncLifetime
{
    private string? stateDirectory;

    // Set by StartAnotherAsync only: the assembly's system is all of the model, with the dashboard.
    private IReadOnlyCollection<string>? only;
    private bool another;
    private IReadOnlyList<ConnectorBrokerUser> connectors = [];

    public FinqwareHost Host { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>The dashboard's API (not for a system from <see cref="StartAnotherAsync"/>, which has none).</summary>
    public HttpClient Dashboard { get; private set; } = null!;

    /// <summary>The sandbox bank's delays, short so that end-to-end flows take seconds (docs/configuration.md).</summary>
    public static readonly IReadOnlyDictionary<string, string> SandboxBankSettings = new Dictionary<string, string>
    {
        ["SandboxBank__DecoupledApprovalDelay"] = "00:00:01.500",
        ["SandboxBank__PaymentStatusDelay"] = "00:00:00.500",
        ["SandboxBank__PendingBookingDelay"] = "00:00:03",
        ["Connector__FollowUpPollInterval"] = "00:00:00.200",
    };

    /// <summary>The Berlin Group connector's polling, short: the mock's payment status (ACCP) is never final, so its polling ends soon.</summary>
    public static readonly IReadOnlyDictionary<string, string> BerlinGroupSettings = new Dictionary<string, string>
    {
        ["BerlinGroup__PollInterval"] = "00:00:00.500",
        ["BerlinGroup__MaxPolls"] = "3",
        ["Connector__FollowUpPollInterval"] = "00:00:00.200",
    };

    /// <summary>
    /// SessionService's webhook retries, quick (docs/configuration.md: 10 attempts from 10 s doubling to an hour): a
    /// refused delivery is retried at once and given up after its fourth attempt, within seconds.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> WebhookSettings = new Dictionary<string, string>
    {
        ["Webhooks__MaxAttempts"] = "4",
        ["Webhooks__InitialBackoff"] = "00:00:00.200",
        ["Webhooks__MaxBackoff"] = "00:00:01",
    };

    /// <summary>
    /// The broker user of the connectors the end-to-end tests run in their own process (TestConnector): provider
    /// <c>e2e</c>, these skills' queues only, registered in the catalog like every connector of the model.
    /// </summary>
    public static readonly ConnectorBrokerUser TestConnectorUser = new(
        "e2e-test-connector", "e2e",
        ["e2e_hold_sbx_#1.0", "e2e_stop_sbx_#1.0", "e2e_broker_sbx_#1.0", "e2e_dbdown_sbx_#1.0", "guide_sbx_#3.0"]);

    /// <summary>The amqp:// URI a test connector connects with (<see cref="TestConnectorUser"/>).</summary>
    public string TestConnectorBroker => ((RabbitMqResource)Host["messaging"]).ConnectionStringFor(TestConnectorUser, Host.Options.StateDirectory)!;

    /// <summary>How long the sandbox marketplace's offline identity verification takes in the test system.</summary>
    public static TimeSpan VerificationDelay { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Boots another system beside the assembly's, independent of it: its own state directory, so its own PostgreSQL
    /// cluster and RabbitMQ node (always local processes: on the servers of <c>FINQWARE_TEST_*</c> its databases and
    /// queues would be the assembly system's), databases, queues and secrets; no dashboard; only the resources
    /// <paramref name="only"/> names and what they depend on (<see cref="FinqwareHostOptions.Only"/>). Dispose it
    /// (<c>await using</c>): that stops it and deletes its state directory, also when it failed to start.
    /// </summary>
    /// <param name="only">The resources to start, with what they depend on.</param>
    /// <param name="connectors">Connectors run outside the model to register, as <c>--connector</c> does (<see cref="ProviderConnectors"/>).</param>
    public static async Task<SystemFixture> StartAnotherAsync(IReadOnlyCollection<string> only, IReadOnlyList<ConnectorBrokerUser>? connectors = null)
    {
        var system = new SystemFixture { only = only, another = true, connectors = connectors ?? [] };
        try
        {
            await system.InitializeAsync();
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    public async ValueTask InitializeAsync()
    {
        stateDirectory = TestInfrastructure.TempDirectory(another ? "another" : "system");
        var options = new FinqwareHostOptions
        {
            RepositoryRoot = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)
                ?? throw new InvalidOperationException("Finqware.sln not found above the test assembly."),
            StateDirectory = stateDirectory,
            RandomPorts = true,
            FastInfrastructure = true,
            Dashboard = !another,
            Only = only,
            Connectors = connectors,
            ExternalPostgres = another ? null : NullIfEmpty(Environment.GetEnvironmentVariable(TestInfrastructure.PostgresVariable)),
            ExternalMessaging = another ? null : NullIfEmpty(Environment.GetEnvironmentVariable(TestInfrastructure.RabbitMqVariable)),
        };
        var builder = AppModel.Declare(FinqwareHost.CreateBuilder(options));
        builder.Resources.OfType<RabbitMqResource>().Single().ConnectorUsers.Add(TestConnectorUser);
        // Offline identity verification takes seconds in the sandbox; the tests need not wait that long.
        builder.Resources.OfType<ProjectResource>().Single(p => p.Name == AppModel.SandboxMarketplace)
            .WithEnvironment("SandboxMarketplace__VerificationDelay", VerificationDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (key, value) in SandboxBankSettings)
        {
            builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "sandbox-bank").WithEnvironment(key, value);
        }

        foreach (var (key, value) in BerlinGroupSettings)
        {
            builder.Resources.OfType<ProjectResource>().SingleOrDefault(p => p.Name == AppModel.BerlinGroup)?.WithEnvironment(key, value);
        }

        // Every test calls from loopback: the anonymous budget per address would be shared by all of them. Tests of the
        // budgets use tenants of their own, or addresses of their own through X-Forwarded-For.
        builder.Resources.OfType<ProjectResource>().SingleOrDefault(p => p.Name == "gateway")?.WithEnvironment("RateLimits__Classes__anonymous__PermitLimit", "20000");

        // A refused webhook is given up after a few quick attempts (not 10 over hours), so a test sees its final failure.
        foreach (var (key, value) in WebhookSettings)
        {
            builder.Resources.OfType<ProjectResource>().SingleOrDefault(p => p.Name == "sessions")?.WithEnvironment(key, value);
        }

        Host = builder.Build();

        // Generous: a loaded machine (CI, several builds at once) can take minutes to boot everything.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await Host.StartAsync(timeout.Token);
        Gateway = ContractChecked.Client(new Uri(Host.GatewayUrl!));
        Dashboard = Host.DashboardUrl is { } dashboard ? new HttpClient { BaseAddress = new Uri(dashboard) } : null!;
    }

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        Dashboard?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        TestInfrastructure.DeleteQuietly(stateDirectory);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
