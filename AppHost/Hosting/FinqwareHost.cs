using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Finqware.AppHost.Dashboard;
using Finqware.AppHost.Infrastructure;

namespace Finqware.AppHost.Hosting;

/// <summary>Declares the resources of the system, as an Aspire app host's builder does.</summary>
public sealed class FinqwareHostBuilder(FinqwareHostOptions options)
{
    private readonly List<Resource> resources = [];
    private readonly List<Func<FinqwareHost, CancellationToken, Task<string?>>> started = [];

    public FinqwareHostOptions Options { get; } = options;

    public IReadOnlyList<Resource> Resources => resources;

    public PostgresResource AddPostgres(string name) => Add(new PostgresResource(name, Options.ExternalPostgres, database => Add(database)));

    public RabbitMqResource AddRabbitMq(string name) => Add(new RabbitMqResource(name, Options.ExternalMessaging));

    public ProjectResource AddProject(string name, string projectPath) => Add(new ProjectResource(name, projectPath));

    /// <summary>Stoplight Prism (tools/node) mocking the OpenAPI file <paramref name="specification"/> (a path from the repository root) with its examples.</summary>
    public NodeResource AddPrismMock(string name, string specification) =>
        Add(new NodeResource(name, (root, port, output) => LocalNodeTool.Prism(root, specification, port, dynamic: false, output)));

    /// <summary>Work to do once everything is up (before the banner), such as provisioning the sandbox demo tenant.</summary>
    public FinqwareHostBuilder OnStarted(Func<FinqwareHost, CancellationToken, Task<string?>> callback)
    {
        started.Add(callback);
        return this;
    }

    public FinqwareHost Build() => new(Options, Options.Only is { } names ? WithDependencies(names) : resources, started);

    /// <summary>The named resources and everything they depend on, in the order they were declared.</summary>
    private List<Resource> WithDependencies(IReadOnlyCollection<string> names)
    {
        var included = new HashSet<Resource>();
        void Include(Resource resource)
        {
            if (included.Add(resource))
            {
                foreach (var dependency in resource.Dependencies)
                {
                    Include(dependency);
                }
            }
        }

        foreach (var name in names)
        {
            Include(resources.FirstOrDefault(r => r.Name == name)
                ?? throw new InvalidOperationException($"No resource named '{name}' is declared, so it cannot be started alone."));
        }

        return resources.Where(included.Contains).ToList();
    }

    private T Add<T>(T resource) where T : Resource
    {
        if (resources.Any(r => r.Name == resource.Name))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' is already declared.");
        }

        resources.Add(resource);
        return resource;
    }
}

/// <summary>
/// Starts the declared resources in dependency order, waits for each to be healthy, supervises the projects, serves
/// the dashboard, and stops everything it started — in reverse order — on Ctrl+C, SIGTERM or <see cref="StopAsync"/>.
/// The end-to-end tests use it as a library to boot the whole system on free ports.
/// </summary>
public sealed class FinqwareHost : IAsyncDisposable
{
    private readonly List<Resource> resources;
    private readonly PidRegistry pids;
    private readonly CancellationTokenSource lifetime = new();
    private readonly Action<string> say;
    private DashboardServer? dashboard;
    private Task? healthLoop;
    private int stopped;

    private readonly List<Func<FinqwareHost, CancellationToken, Task<string?>>> onStarted;
    private readonly List<string> notes = [];

    internal FinqwareHost(FinqwareHostOptions options, List<Resource> resources, List<Func<FinqwareHost, CancellationToken, Task<string?>>> onStarted)
    {
        Options = options;
        this.resources = resources;
        this.onStarted = onStarted;
        pids = new PidRegistry(Path.Combine(options.StateDirectory, "pids"));
        say = line => Console.WriteLine($"[apphost] {line}");
    }

    public FinqwareHostOptions Options { get; }

    public IReadOnlyList<Resource> Resources => resources;

    public string? DashboardUrl => dashboard?.Url;

    /// <summary>The telemetry the dashboard received, or null without a dashboard.</summary>
    public Telemetry.TelemetryStore? Telemetry => dashboard?.Telemetry;

    public string? GatewayUrl => resources.OfType<ProjectResource>().FirstOrDefault(p => p.Name == "gateway")?.Url;

    public string? RabbitMqManagementUrl => resources.OfType<RabbitMqResource>().FirstOrDefault()?.ManagementUrl;

    public static FinqwareHostBuilder CreateBuilder(string[] args) => new(FinqwareHostOptions.FromArgs(args));

    public static FinqwareHostBuilder CreateBuilder(FinqwareHostOptions options) => new(options);

    public Resource this[string name] => resources.First(r => r.Name == name);

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        Directory.CreateDirectory(Options.StateDirectory);
        var leftovers = await pids.EndLeftoversAsync();
        if (leftovers > 0)
        {
            say($"ended {leftovers} process group(s) left running by a previous AppHost");
        }

        if (Options.Fresh)
        {
            DeleteLocalData();
        }

        foreach (var project in resources.OfType<ProjectResource>())
        {
            project.AssignPort(Options);
        }

        if (Options.Dashboard)
        {
            dashboard = new DashboardServer(this, Options.RandomPorts ? Ports.Free() : Options.DashboardPort, Options.TelemetryLimits);
            await dashboard.StartAsync(cancellationToken);
            say($"dashboard: {dashboard.Url}");

            // Every project sends its traces, logs and metrics to the dashboard's OTLP receiver (Aspire does the same).
            Options.OtlpEndpoint ??= dashboard.Url;
        }

        var context = new HostContext(Options, pids, say);
        foreach (var resource in resources)
        {
            resource.SetWaiting();
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.Token);
        var starts = resources.ToDictionary(r => r, _ => (Task?)null);
        Task StartOne(Resource resource) => starts[resource] ??= StartAfterDependenciesAsync(resource, context, linked.Token);
        try
        {
            await Task.WhenAll(resources.Select(StartOne));
        }
        catch
        {
            await StopAsync();
            throw;
        }

        healthLoop = HealthLoopAsync(lifetime.Token);
        foreach (var callback in onStarted)
        {
            try
            {
                if (await callback(this, linked.Token) is { } note)
                {
                    notes.Add(note);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                notes.Add($"(a start-up step failed: {ex.Message})");
            }
        }

        await WriteEndpointsFileAsync();
        PrintBanner(watch);
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        say("stopping…");
        await lifetime.CancelAsync();
        foreach (var layer in StopLayers())
        {
            await Task.WhenAll(layer.Select(async r =>
            {
                try
                {
                    await r.StopAsync();
                }
                catch (Exception ex)
                {
                    say($"{r.Name}: stop failed: {ex.Message}");
                }
            }));
        }

        if (healthLoop is not null)
        {
            await healthLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (dashboard is not null)
        {
            await dashboard.DisposeAsync();
        }

        // Anything a resource left behind in its group (a daemon, a grandchild) ends here.
        await pids.EndLeftoversAsync();
        say("stopped");
    }

    /// <summary>Starts, then runs until Ctrl+C or SIGTERM, then stops everything.</summary>
    public async Task RunAsync()
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.TrySetResult();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
        try
        {
            var starting = StartAsync(lifetime.Token);
            if (await Task.WhenAny(starting, stop.Task) == stop.Task)
            {
                await lifetime.CancelAsync();
                await starting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            else
            {
                await starting;
                await stop.Task;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            say($"failed to start: {ex.Message}");
            Environment.ExitCode = 1;
        }
        finally
        {
            await StopAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task StartAfterDependenciesAsync(Resource resource, HostContext context, CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var dependency in resource.Dependencies)
        {
            await dependency.Ready.WaitAsync(cancellationToken);
        }

        await resource.StartAsync(context, cancellationToken);
    }

    /// <summary>Dependents before their dependencies: the gateway first, PostgreSQL and RabbitMQ last.</summary>
    private List<List<Resource>> StopLayers()
    {
        var depth = new Dictionary<Resource, int>();
        int Depth(Resource r) => depth.TryGetValue(r, out var d) ? d : depth[r] = r.Dependencies.Select(Depth).DefaultIfEmpty(-1).Max() + 1;
        return resources.GroupBy(Depth).OrderByDescending(g => g.Key).Select(g => g.ToList()).ToList();
    }

    private async Task HealthLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(3));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var resource in resources)
            {
                try
                {
                    await resource.CheckHealthAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void DeleteLocalData()
    {
        foreach (var resource in resources.Where(r => r is PostgresResource { IsExternal: false } or RabbitMqResource { IsExternal: false }))
        {
            var folder = Path.Combine(Options.StateDirectory, resource.Name);
            foreach (var path in new[] { folder, LocalPostgres.ReachableDataDirectory(folder) }.Distinct())
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }
        }

        foreach (var file in Directory.GetFiles(Options.StateDirectory, "*.json"))
        {
            File.Delete(file);
        }

        if (Directory.Exists(LocalSecrets.Directory(Options.StateDirectory)))
        {
            Directory.Delete(LocalSecrets.Directory(Options.StateDirectory), recursive: true);
        }

        say("--fresh: deleted the local data under " + Options.StateDirectory);
    }

    private async Task WriteEndpointsFileAsync()
    {
        var endpoints = new Dictionary<string, string?>
        {
            ["gateway"] = GatewayUrl,
            ["dashboard"] = DashboardUrl,
            ["docs"] = GatewayUrl is null ? null : GatewayUrl + "/docs",
            ["rabbitmq_management"] = RabbitMqManagementUrl,
            ["apphost_pid"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await File.WriteAllTextAsync(Path.Combine(Options.StateDirectory, "endpoints.json"), JsonSerializer.Serialize(endpoints));
    }

    private void PrintBanner(Stopwatch watch)
    {
        var gateway = GatewayUrl?.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        Console.WriteLine();
        Console.WriteLine($"Finqware is up ({resources.Count} resources in {watch.Elapsed.TotalSeconds:0.0} s)");
        Console.WriteLine($"  gateway     {gateway}");
        Console.WriteLine($"  API docs    {gateway}/docs");
        Console.WriteLine($"  health      {gateway}/health/services");
        if (DashboardUrl is not null)
        {
            Console.WriteLine($"  dashboard   {DashboardUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal)}");
        }

        if (RabbitMqManagementUrl is not null)
        {
            Console.WriteLine($"  RabbitMQ    {RabbitMqManagementUrl} (guest / guest)");
        }

        foreach (var note in notes)
        {
            Console.WriteLine();
            Console.WriteLine(note);
        }

        Console.WriteLine();
        Console.WriteLine("Press Ctrl+C to stop everything.");
        Console.WriteLine();
    }
}
