namespace Finqware.AppHost.Hosting;

public sealed class FinqwareHostOptions
{
    /// <summary>The folder holding Finqware.sln.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>Local state: PostgreSQL and RabbitMQ data, pids, logs, the demo tenant. Default <c>.finqware/</c>.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>Delete the state directory's data before starting (<c>--fresh</c>).</summary>
    public bool Fresh { get; init; }

    /// <summary>Every port free, the gateway's and the dashboard's too (tests; <c>--random-ports</c>).</summary>
    public bool RandomPorts { get; init; }

    public int DashboardPort { get; init; } = 18888;

    /// <summary>Serve the dashboard (off in tests that only need the system).</summary>
    public bool Dashboard { get; init; } = true;

    /// <summary>fsync off and similar, for throwaway test systems only.</summary>
    public bool FastInfrastructure { get; init; }

    /// <summary>The build configuration whose output is launched: the AppHost's own.</summary>
    public string BuildConfiguration { get; init; } = DetectConfiguration();

    public string HostingEnvironment { get; init; } = "Development";

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Where resources send OTLP telemetry (the dashboard's receiver), or null for none.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>How much telemetry the dashboard keeps (<c>Dashboard__TelemetryLimits__*</c>).</summary>
    public Telemetry.TelemetryLimits TelemetryLimits { get; init; } = Telemetry.TelemetryLimits.FromEnvironment();

    /// <summary>
    /// Start only these declared resources and what they depend on (their references and waits, transitively); null
    /// starts every declared resource. A test system that needs only the sandbox bank names <c>gateway</c> and
    /// <c>sandbox-bank</c>, and gets PostgreSQL, RabbitMQ, their databases and the three services with them.
    /// </summary>
    public IReadOnlyCollection<string>? Only { get; init; }

    /// <summary>
    /// Connectors that run outside this repository and its model (a skill provider's, started by hand), registered with
    /// this system by <c>--connector NAME:PROVIDER:SKILL[,SKILL…]</c>: each gets its broker user and a database, the
    /// catalog takes its provider's announcements from it, and its settings are written under the state directory
    /// (<see cref="ProviderConnectors"/>, docs/connectors.md).
    /// </summary>
    public IReadOnlyList<Infrastructure.ConnectorBrokerUser> Connectors { get; init; } = [];

    /// <summary><c>ConnectionStrings:postgres</c>: use this server instead of a local one.</summary>
    public string? ExternalPostgres { get; init; }

    /// <summary><c>ConnectionStrings:messaging</c>: use this broker instead of a local node.</summary>
    public string? ExternalMessaging { get; init; }

    /// <summary>
    /// Reads the command line (<c>--fresh</c>, <c>--random-ports</c>, <c>--state-dir DIR</c>, <c>--no-dashboard</c>,
    /// <c>--connector NAME:PROVIDER:SKILL[,SKILL…]</c>) and the environment.
    /// </summary>
    public static FinqwareHostOptions FromArgs(string[] args)
    {
        var root = FindRepositoryRoot(AppContext.BaseDirectory) ?? FindRepositoryRoot(Directory.GetCurrentDirectory())
            ?? throw new InvalidOperationException("Finqware.sln not found above the AppHost: run it from the repository (./run.sh).");
        string? stateDirectory = null;
        var connectors = new List<Infrastructure.ConnectorBrokerUser>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--state-dir" && i + 1 < args.Length)
            {
                stateDirectory = Path.GetFullPath(args[++i]);
            }
            else if (args[i] == "--connector" && i + 1 < args.Length)
            {
                connectors.Add(ProviderConnectors.Parse(args[++i]));
            }
        }

        return new FinqwareHostOptions
        {
            RepositoryRoot = root,
            StateDirectory = stateDirectory ?? Path.Combine(root, ".finqware"),
            Fresh = args.Contains("--fresh"),
            RandomPorts = args.Contains("--random-ports"),
            Dashboard = !args.Contains("--no-dashboard"),
            Connectors = connectors,
            ExternalPostgres = NullIfEmpty(Environment.GetEnvironmentVariable("ConnectionStrings__postgres")),
            ExternalMessaging = NullIfEmpty(Environment.GetEnvironmentVariable("ConnectionStrings__messaging")),
        };
    }

    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Finqware.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string DetectConfiguration()
    {
        // bin/<Configuration>/net10.0/
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return framework.Parent?.Name is { Length: > 0 } configuration && framework.Parent.Parent?.Name == "bin" ? configuration : "Debug";
    }
}
