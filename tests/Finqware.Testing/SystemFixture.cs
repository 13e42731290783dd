using Finqware.AppHost;
using Finqware.AppHost.Hosting;
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

    public FinqwareHost Host { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    public HttpClient Dashboard { get; private set; } = null!;

    /// <summary>The sandbox bank's delays, short so that end-to-end flows take seconds (docs/configuration.md).</summary>
    public static readonly IReadOnlyDictionary<string, string> SandboxBankSettings = new Dictionary<string, string>
    {
        ["SandboxBank__DecoupledApprovalDelay"] = "00:00:01.500",
        ["SandboxBank__PaymentStatusDelay"] = "00:00:00.500",
        ["SandboxBank__PendingBookingDelay"] = "00:00:03",
        ["Connector__FollowUpPollInterval"] = "00:00:00.200",
    };

    /// <summary>How long the sandbox marketplace's offline identity verification takes in the test system.</summary>
    public static TimeSpan VerificationDelay { get; } = TimeSpan.FromMilliseconds(500);

    public async ValueTask InitializeAsync()
    {
        stateDirectory = TestInfrastructure.TempDirectory("system");
        var options = new FinqwareHostOptions
        {
            RepositoryRoot = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)
                ?? throw new InvalidOperationException("Finqware.sln not found above the test assembly."),
            StateDirectory = stateDirectory,
            RandomPorts = true,
            FastInfrastructure = true,
            ExternalPostgres = NullIfEmpty(Environment.GetEnvironmentVariable(TestInfrastructure.PostgresVariable)),
            ExternalMessaging = NullIfEmpty(Environment.GetEnvironmentVariable(TestInfrastructure.RabbitMqVariable)),
        };
        var builder = AppModel.Declare(FinqwareHost.CreateBuilder(options));
        // Offline identity verification takes seconds in the sandbox; the tests need not wait that long.
        builder.Resources.OfType<ProjectResource>().Single(p => p.Name == AppModel.SandboxMarketplace)
            .WithEnvironment("SandboxMarketplace__VerificationDelay", VerificationDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        Host = builder.Build();
        foreach (var (key, value) in SandboxBankSettings)
        {
            ((ProjectResource)Host["sandbox-bank"]).WithEnvironment(key, value);
        }

        // Generous: a loaded machine (CI, several builds at once) can take minutes to boot everything.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await Host.StartAsync(timeout.Token);
        Gateway = new HttpClient { BaseAddress = new Uri(Host.GatewayUrl!) };
        Dashboard = new HttpClient { BaseAddress = new Uri(Host.DashboardUrl!) };
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
