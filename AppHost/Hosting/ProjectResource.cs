using System.Diagnostics;
using Finqware.AppHost.Infrastructure;

namespace Finqware.AppHost.Hosting;

/// <summary>
/// A .NET project of the repository, launched from its build output (<c>dotnet exec bin/{Configuration}/net10.0/X.dll</c>)
/// in its own process group on a loopback port, healthy when <c>/health</c> answers 200. When it exits on its own,
/// it is restarted with exponential backoff (1 s, 2 s, 4 s … 30 s); the restart count shows on the dashboard.
/// </summary>
public sealed class ProjectResource(string name, string projectPath) : Resource(name, "project")
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Dictionary<string, string?> extraEnvironment = [];
    private readonly List<Action<IDictionary<string, string?>>> environmentSources = [];
    private readonly List<ProjectResource> proxied = [];
    private readonly Dictionary<string, ProjectResource> urlsOf = [];
    private readonly Dictionary<string, Func<string, string>> generatedSecrets = [];
    private readonly List<(DatabaseResource Database, string Name)> aliases = [];
    private readonly Lock gate = new();
    private ChildProcess? process;
    private HostContext? context;
    private bool stopRequested;
    private int consecutiveFailures;
    private CancellationTokenSource lifetime = new();

    /// <summary>Path of the .csproj, relative to the AppHost project folder (as in Aspire) or absolute.</summary>
    public string ProjectPath { get; } = projectPath;

    public int? FixedPort { get; set; }

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    public override IReadOnlyList<string> Endpoints => Port == 0 ? [] : [Url];

    public override IEnumerable<int> ProcessGroups => process is { HasExited: false } p ? [p.ProcessGroup] : [];

    /// <summary>The environment of the last start (for the dashboard and the tests).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; private set; } = new Dictionary<string, string?>();

    public ProjectResource WithReference(Resource resource)
    {
        References.Add(resource);
        return this;
    }

    /// <summary>Aspire's <c>WithReference(db, connectionName)</c>: the database's connection string under another name.</summary>
    public ProjectResource WithReference(DatabaseResource database, string connectionName)
    {
        WaitsFor.Add(database);
        aliases.Add((database, connectionName));
        return this;
    }

    public ProjectResource WaitFor(Resource resource)
    {
        WaitsFor.Add(resource);
        return this;
    }

    public ProjectResource WithHttpEndpoint(int port)
    {
        FixedPort = port;
        return this;
    }

    /// <summary>
    /// Connects this connector to <paramref name="messaging"/> as a broker user of its own, named after it, allowed its
    /// skills' queues only (<see cref="ConnectorBrokerUser"/>); <see cref="WithConnectorRegistryOf"/> tells the catalog
    /// which provider's skills it may announce.
    /// </summary>
    public ProjectResource WithBrokerUser(RabbitMqResource messaging, string provider, params string[] skills)
    {
        var user = new ConnectorBrokerUser(Name, provider, skills);
        messaging.ConnectorUsers.Add(user);
        WithReference(messaging);
        generatedSecrets[ResourceEnvironment.ConnectionString(messaging.Name)] = stateDirectory => messaging.ConnectionStringFor(user, stateDirectory)!;
        return this;
    }

    /// <summary>
    /// The catalog's registry of connectors: <c>Catalog__Providers__{provider}__{n}</c> = the broker user of each
    /// connector of <paramref name="messaging"/> that serves that provider.
    /// </summary>
    public ProjectResource WithConnectorRegistryOf(RabbitMqResource messaging)
    {
        environmentSources.Add(environment =>
        {
            foreach (var provider in messaging.ConnectorUsers.GroupBy(c => c.Provider))
            {
                var users = provider.Select(messaging.UserOf).Distinct().ToList();
                for (var i = 0; i < users.Count; i++)
                {
                    environment[$"Catalog__Providers__{provider.Key}__{i}"] = users[i];
                }
            }
        });
        return this;
    }

    public ProjectResource WithEnvironment(string key, string? value)
    {
        extraEnvironment[key] = value;
        return this;
    }

    /// <summary>
    /// Sets <paramref name="key"/> to a random secret (base64 of 32 bytes) generated on first start and kept under
    /// the state directory's <c>secrets/</c>, so it survives restarts; <c>--fresh</c> drops it with the data it protects.
    /// </summary>
    public ProjectResource WithGeneratedSecret(string key, string secretName)
    {
        generatedSecrets[key] = stateDirectory => LocalSecrets.GetOrCreate(stateDirectory, secretName);
        return this;
    }

    /// <summary>
    /// Sets <paramref name="key"/> to the private half (base64 PKCS#8) of a P-256 key pair generated on first start and
    /// kept like <see cref="WithGeneratedSecret"/>; another project gets its public half with <see cref="WithPublicKeyOf"/>.
    /// </summary>
    public ProjectResource WithGeneratedPrivateKey(string key, string keyPairName)
    {
        generatedSecrets[key] = stateDirectory => LocalSecrets.GetOrCreateKeyPair(stateDirectory, keyPairName, publicHalf: false);
        return this;
    }

    /// <summary>Sets <paramref name="key"/> to the public half (base64 SubjectPublicKeyInfo) of a key pair of <see cref="WithGeneratedPrivateKey"/>.</summary>
    public ProjectResource WithPublicKeyOf(string key, string keyPairName)
    {
        generatedSecrets[key] = stateDirectory => LocalSecrets.GetOrCreateKeyPair(stateDirectory, keyPairName, publicHalf: true);
        return this;
    }

    /// <summary>
    /// Sets <paramref name="key"/> to <paramref name="project"/>'s URL without waiting for it (no start order): the
    /// gateway's address for a connector's public links, a connector's address for a gateway route to it.
    /// </summary>
    public ProjectResource WithUrlOf(string key, ProjectResource project)
    {
        urlsOf[key] = project;
        return this;
    }

    /// <summary>Makes this project (the gateway) a reverse proxy to <paramref name="projects"/>: one YARP cluster each.</summary>
    public ProjectResource WithReverseProxyTo(params ProjectResource[] projects)
    {
        foreach (var project in projects)
        {
            proxied.Add(project);
            WithReference(project);
        }

        return this;
    }

    public override void AddReferenceEnvironment(IDictionary<string, string?> environment) =>
        environment[ResourceEnvironment.ServiceEndpoint(Name)] = Url;

    /// <summary>The environment this project is started with: defaults, then references, then explicit values.</summary>
    public Dictionary<string, string?> BuildEnvironment(FinqwareHostOptions options)
    {
        var environment = new Dictionary<string, string?>();
        ResourceEnvironment.AddProjectDefaults(environment, Name, Url, options.HostingEnvironment, options.OtlpEndpoint);
        foreach (var reference in References)
        {
            reference.AddReferenceEnvironment(environment);
        }

        foreach (var (database, name) in aliases)
        {
            environment[ResourceEnvironment.ConnectionString(name)] = database.ConnectionString;
        }

        foreach (var project in proxied)
        {
            environment[ResourceEnvironment.ReverseProxyDestination(project.Name)] = project.Url;
        }

        // A project this host does not start (FinqwareHostOptions.Only) never gets a port: it has no URL to give.
        foreach (var (key, project) in urlsOf.Where(u => u.Value.Port != 0))
        {
            environment[key] = project.Url;
        }

        foreach (var (key, value) in extraEnvironment)
        {
            environment[key] = value;
        }

        foreach (var addTo in environmentSources)
        {
            addTo(environment);
        }

        foreach (var (key, generate) in generatedSecrets)
        {
            environment[key] = generate(options.StateDirectory);
        }

        return environment;
    }

    public string ProjectDirectory(FinqwareHostOptions options) => Path.GetDirectoryName(Path.IsPathRooted(ProjectPath)
        ? ProjectPath
        : Path.GetFullPath(Path.Combine(options.RepositoryRoot, "AppHost", ProjectPath)))!;

    public string ResolveAssembly(FinqwareHostOptions options) => Path.Combine(
        ProjectDirectory(options), "bin", options.BuildConfiguration, "net10.0", Path.GetFileNameWithoutExtension(ProjectPath) + ".dll");

    public void AssignPort(FinqwareHostOptions options)
    {
        if (Port == 0)
        {
            Port = FixedPort is { } port && !options.RandomPorts ? port : Ports.Free();
            Ports.Reserve(Port);
        }
    }

    public override async Task StartAsync(HostContext hostContext, CancellationToken cancellationToken)
    {
        context = hostContext;
        stopRequested = false;
        lifetime = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        try
        {
            Launch();
            await WaitHealthyAsync(cancellationToken);
            context.Say($"{Name} ready in {Elapsed(watch)} at {Url}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            MarkFailed(ex);
            throw;
        }

        _ = SuperviseAsync(lifetime.Token);
    }

    public override async Task StopAsync()
    {
        ChildProcess? running;
        lock (gate)
        {
            stopRequested = true;
            running = process;
        }

        await lifetime.CancelAsync();
        if (running is not null)
        {
            State = ResourceState.Stopping;
            await running.StopAsync(TimeSpan.FromSeconds(10));
            context?.Pids.Forget(Name);
        }

        State = ResourceState.Stopped;
        Health = ResourceHealth.Unknown;
        Pid = null;
    }

    /// <summary>Starts a stopped project again (a dashboard action).</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken)
    {
        ResetReady();
        return StartAsync(context!, cancellationToken);
    }

    /// <summary>Stop then start again (a dashboard action); counts as a restart.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopAsync();
        RestartCount++;
        ResetReady();
        await StartAsync(context!, cancellationToken);
    }

    public override async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (State is not (ResourceState.Running or ResourceState.Starting))
        {
            return;
        }

        Health = await IsHealthyAsync(cancellationToken) ? ResourceHealth.Healthy : ResourceHealth.Unhealthy;
    }

    private void Launch()
    {
        var options = context!.Options;
        var assembly = ResolveAssembly(options);
        if (!File.Exists(assembly))
        {
            throw new FileNotFoundException(
                $"{Name}: {assembly} is not built. Build the solution first (./run.sh does: dotnet build Finqware.sln).");
        }

        Environment = BuildEnvironment(options);
        State = ResourceState.Starting;
        Health = ResourceHealth.Unknown;
        lock (gate)
        {
            process = ChildProcess.Start("dotnet", ["exec", assembly], ProjectDirectory(options), Environment, Logs.Append);
        }

        Pid = process.Pid;
        StartedAt = DateTimeOffset.UtcNow;
        context.Pids.Record(Name, process.ProcessGroup);
        Logs.Append($"started pid {process.Pid}: dotnet exec {assembly}", false);
    }

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + context!.Options.StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process!.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {await process.Exited} while starting; see its console log.");
            }

            if (await IsHealthyAsync(cancellationToken))
            {
                MarkReady();
                consecutiveFailures = 0;
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not report healthy at {Url}/health within {context.Options.StartTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri($"{Url}/health"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Restarts the project with backoff whenever it exits on its own, until the host stops it.</summary>
    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var running = process!;
            await Task.WhenAny(running.Exited, Task.Delay(Timeout.Infinite, cancellationToken));
            if (cancellationToken.IsCancellationRequested || stopRequested)
            {
                return;
            }

            var code = await running.Exited;
            // Ends whatever the dead process left in its group and releases its handles before a new one starts.
            await running.DisposeAsync();
            State = ResourceState.Exited;
            Health = ResourceHealth.Unhealthy;
            LastError = $"exited with code {code}";
            var backoff = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, consecutiveFailures)));
            consecutiveFailures++;
            context!.Say($"{Name} exited (code {code}); restarting in {backoff.TotalSeconds:0} s");
            Logs.Append($"exited with code {code}; restarting in {backoff.TotalSeconds:0} s", true);
            await Task.Delay(backoff, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (cancellationToken.IsCancellationRequested || stopRequested)
            {
                return;
            }

            RestartCount++;
            try
            {
                Launch();
                await WaitHealthyAsync(cancellationToken);
                context.Say($"{Name} restarted (restart #{RestartCount})");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LastError = ex.Message;
                Logs.Append(ex.Message, true);
                if (process is { HasExited: false } stuck)
                {
                    await stuck.StopAsync(TimeSpan.FromSeconds(5));
                }
            }
        }
    }
}
