using System.Net.Http.Json;
using System.Text.Json;
using Finqware.AppHost;
using Finqware.AppHost.Hosting;
using Finqware.AppHost.Telemetry;

namespace Finqware.Bench;

/// <summary>
/// The whole system booted in this process through the AppHost library, as <c>./run.sh</c> boots it (the same
/// <see cref="AppModel"/>, free ports, a temporary state directory that is deleted afterwards), with a gateway client.
/// </summary>
internal sealed class BenchSystem : IAsyncDisposable
{
    private readonly CancellationTokenSource booting = new();
    private readonly Lock gate = new();
    private Task? starting;
    private Task? stopping;
    private IDisposable? onInterrupt;

    private BenchSystem(FinqwareHost host, string stateDirectory)
    {
        Host = host;
        StateDirectory = stateDirectory;
    }

    public FinqwareHost Host { get; }

    public string StateDirectory { get; }

    /// <summary>A client of the gateway, whose port is known once the system is up.</summary>
    public HttpClient Gateway { get; private set; } = null!;

    /// <summary>A gateway's settings that lift every budget per tenant (the system's gateway, and the benches' own gateways).</summary>
    public static readonly IReadOnlyDictionary<string, string> LiftedBudgets =
        new[] { "client", "server", "management", "anonymous" }.ToDictionary(c => $"RateLimits__Classes__{c}__PermitLimit", _ => "1000000");

    /// <summary>
    /// Boots the system; with <paramref name="dashboard"/> on, this process serves the ops dashboard too. With
    /// <paramref name="stopOnSignal"/> (the default), Ctrl+C or SIGTERM stops it and ends the bench, during the boot too
    /// (<see cref="Interruption"/>); a mode that reports on Ctrl+C handles the signal itself and passes false.
    /// </summary>
    public static async Task<BenchSystem> StartAsync(string root, bool dashboard, TelemetryLimits? limits = null, bool stopOnSignal = true)
    {
        var state = Path.Combine(Path.GetTempPath(), $"finqware-bench-{Guid.NewGuid():N}");
        var builder = AppModel.Declare(FinqwareHost.CreateBuilder(new FinqwareHostOptions
        {
            RepositoryRoot = root,
            StateDirectory = state,
            RandomPorts = true,
            Dashboard = dashboard,
            TelemetryLimits = limits ?? TelemetryLimits.FromEnvironment(),
        }));

        // The gateway's budgets per tenant lifted: a bench's load is one tenant, and at the default budgets (600 client
        // calls a minute) most of it would be 429s, which measure the rate limiter, not the system.
        foreach (var (name, value) in LiftedBudgets)
        {
            builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "gateway").WithEnvironment(name, value);
        }

        var host = builder.Build();
        var system = new BenchSystem(host, state);
        system.onInterrupt = stopOnSignal ? Interruption.OnInterrupt(system.StopAsync) : null;
        system.starting = host.StartAsync(system.booting.Token);
        try
        {
            await system.starting;
            system.Gateway = new HttpClient { BaseAddress = new Uri(host.GatewayUrl!) };
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }

        return system;
    }

    /// <summary>The sandbox demo tenant the AppHost provisioned at start (<c>demo-tenant.json</c>).</summary>
    public async Task<JsonElement> DemoTenantAsync() =>
        JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(Path.Combine(StateDirectory, SandboxDemo.FileName)));

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        await StopAsync();

        // Held until the system is down: a signal during this stop waits for it rather than exiting under it.
        onInterrupt?.Dispose();
        await Interruption.WaitIfInterruptedAsync();
    }

    /// <summary>Stops the system once, whoever asks first (the bench at its end, or a signal): a boot in progress is cancelled first.</summary>
    private Task StopAsync()
    {
        lock (gate)
        {
            return stopping ??= Task.Run(StopOnceAsync);
        }
    }

    private async Task StopOnceAsync()
    {
        await booting.CancelAsync();
        if (starting is not null)
        {
            await starting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await Host.StopAsync();
        if (Directory.Exists(StateDirectory))
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
    }
}

/// <summary>What every bench mode asks of the public API, and of the machine.</summary>
internal static class BenchApi
{
    /// <summary>An API token for a tenant's server (<c>client_credentials</c>).</summary>
    public static async Task<string> TokenAsync(HttpClient gateway, string clientId, string secret, CancellationToken cancellationToken = default)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret });
        using var response = await gateway.PostAsync(new Uri("/oauth/token", UriKind.Relative), form, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return response.IsSuccessStatusCode
            ? body.GetProperty("access_token").GetString()!
            : throw new InvalidOperationException($"POST /oauth/token answered {(int)response.StatusCode}: {body}");
    }

    /// <summary>
    /// <c>POST /sessions</c> with the client app's key. With <paramref name="waitForReplica"/>, retries for up to 30 s
    /// while SessionService has not yet learnt the tenant (from TenantService's events).
    /// </summary>
    public static async Task<JsonElement> OpenSessionAsync(
        HttpClient gateway, string clientId, string appKey, string skill, bool waitForReplica, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await gateway.PostAsJsonAsync("/sessions", new Dictionary<string, string> { ["client_id"] = clientId, ["client_app_key"] = appKey, ["skill"] = skill }, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            }

            if (!waitForReplica || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"POST /sessions answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>The nearest-rank percentile of <paramref name="samples"/>.</summary>
    public static double Percentile(IEnumerable<double> samples, int percentile)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>The build configuration of this bench (and so of the services it launches).</summary>
    public static string Configuration() => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
}
