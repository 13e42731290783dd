using System.Diagnostics;
using Finqware.AppHost.Infrastructure;
using Npgsql;

namespace Finqware.AppHost.Hosting;

/// <summary>
/// A server the system needs (PostgreSQL, RabbitMQ): a local one the AppHost runs as child processes, with its data
/// under the state directory (kept across runs), or an external one named by a connection string, which the AppHost
/// only uses. Starting, stopping, starting again (a restart test) and recording the pids are the same for both.
/// </summary>
public abstract class InfrastructureResource<TServer>(string name, string type, string? externalConnectionString) : Resource(name, type)
    where TServer : class, ILocalServer
{
    private HostContext? context;

    public bool IsExternal => externalConnectionString is not null;

    protected string? ExternalConnectionString => externalConnectionString;

    /// <summary>The local server, once started; null when external.</summary>
    protected TServer? Local { get; private set; }

    public override IEnumerable<int> ProcessGroups => Local?.Processes.Select(p => p.Process.ProcessGroup) ?? [];

    /// <summary>What the console says while it starts, e.g. "PostgreSQL".</summary>
    protected abstract string Starting { get; }

    protected abstract TServer CreateLocal(HostContext context);

    /// <summary>What to set up on the local server once it runs (at every start, restarts included).</summary>
    protected virtual Task AfterLocalStartAsync(TServer server, HostContext host, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Checks an external server at start (it must answer before the projects that reference it start).</summary>
    protected virtual Task CheckExternalAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        this.context = context;
        var watch = Stopwatch.StartNew();
        State = ResourceState.Starting;
        StartedAt = DateTimeOffset.UtcNow;
        try
        {
            if (IsExternal)
            {
                await CheckExternalAsync(cancellationToken);
            }
            else
            {
                context.Say($"starting {Name} ({Starting})…");
                Local = CreateLocal(context);
                await StartLocalAsync(Local, context, cancellationToken);
            }

            MarkReady();
            context.Say($"{Name} ready in {Elapsed(watch)}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            MarkFailed(ex);
            throw;
        }
    }

    public override async Task StopAsync()
    {
        if (Local is not null)
        {
            State = ResourceState.Stopping;
            var processes = Local.Processes;
            await Local.StopAsync();
            foreach (var (suffix, _) in processes)
            {
                context?.Pids.Forget(Name + suffix);
            }
        }

        State = ResourceState.Stopped;
        Health = ResourceHealth.Unknown;
        Pid = null;
    }

    /// <summary>
    /// Starts the local server again after <see cref="StopAsync"/>, as a restart of the server would: the same ports, the
    /// same data. The services reconnect by themselves.
    /// </summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        if (Local is null || context is null)
        {
            throw new InvalidOperationException($"{Name} is not a local server started by this host: an external one is restarted by its operators.");
        }

        await RestartWithAsync(context, () => StartLocalAsync(Local, context, cancellationToken));
    }

    private async Task StartLocalAsync(TServer server, HostContext host, CancellationToken cancellationToken)
    {
        await server.StartAsync(cancellationToken);
        Pid = server.Processes[0].Process.Pid;
        foreach (var (suffix, process) in server.Processes)
        {
            host.Pids.Record(Name + suffix, process.ProcessGroup);
        }

        await AfterLocalStartAsync(server, host, cancellationToken);
    }
}

/// <summary>
/// PostgreSQL: a local server (data under the state directory, kept across runs), or the external server named by
/// <c>ConnectionStrings:{name}</c>, on which the AppHost creates the databases.
/// </summary>
public sealed class PostgresResource(string name, string? externalConnectionString, Action<DatabaseResource> declare)
    : InfrastructureResource<LocalPostgres>(name, "postgres", externalConnectionString)
{
    public List<DatabaseResource> Databases { get; } = [];

    public string? ServerConnectionString => ExternalConnectionString ?? Local?.ConnectionString;

    public override IReadOnlyList<string> Endpoints => Local is null
        ? (IsExternal ? ["external server"] : [])
        : [$"tcp://127.0.0.1:{Local.Port}"];

    protected override string Starting => "PostgreSQL";

    public DatabaseResource AddDatabase(string databaseName)
    {
        var database = new DatabaseResource(databaseName, this);
        database.WaitsFor.Add(this);
        Databases.Add(database);
        declare(database);
        return database;
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database }.ConnectionString;

    protected override LocalPostgres CreateLocal(HostContext context)
    {
        var server = new LocalPostgres(Path.Combine(context.Options.StateDirectory, Name), Ports.Free(), context.Options.FastInfrastructure, Logs.Append);
        Logs.Append($"data directory: {server.DataDirectory}", false);
        return server;
    }

    protected override async Task CheckExternalAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ExternalConnectionString);
        await connection.OpenAsync(cancellationToken);
    }

    public override async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (State != ResourceState.Running)
        {
            return;
        }

        try
        {
            await using var connection = new NpgsqlConnection(ServerConnectionString + ";Timeout=3");
            await connection.OpenAsync(cancellationToken);
            Health = ResourceHealth.Healthy;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            Health = ResourceHealth.Unhealthy;
            LastError = ex.Message;
        }
    }
}

/// <summary>A database on a PostgreSQL resource; referencing it sets <c>ConnectionStrings__{name}</c>.</summary>
public sealed class DatabaseResource(string name, PostgresResource server) : Resource(name, "database")
{
    public PostgresResource Server { get; } = server;

    public string ConnectionString => Server.ConnectionStringFor(Name);

    public override IReadOnlyList<string> Endpoints => Server.ServerConnectionString is null ? [] : [$"{Server.Name}/{Name}"];

    public override void AddReferenceEnvironment(IDictionary<string, string?> environment) =>
        environment[ResourceEnvironment.ConnectionString(Name)] = ConnectionString;

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        State = ResourceState.Starting;
        StartedAt = DateTimeOffset.UtcNow;
        try
        {
            await LocalPostgres.CreateDatabaseAsync(Server.ServerConnectionString!, Name, cancellationToken);
            MarkReady();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            MarkFailed(ex);
            throw;
        }
    }

    public override Task StopAsync()
    {
        State = ResourceState.Stopped;
        Health = ResourceHealth.Unknown;
        return Task.CompletedTask;
    }

    public override Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (State == ResourceState.Running)
        {
            Health = Server.Health;
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// RabbitMQ: a local node with the management UI (data under the state directory), or the external broker named by
/// <c>ConnectionStrings:{name}</c>. Referencing it sets <c>ConnectionStrings__{name}</c> to an amqp:// URI.
/// </summary>
public sealed class RabbitMqResource(string name, string? externalConnectionString)
    : InfrastructureResource<LocalRabbitMq>(name, "rabbitmq", externalConnectionString)
{
    public string? ConnectionString => ExternalConnectionString ?? Local?.ConnectionString;

    public string? ManagementUrl => Local?.ManagementUrl;

    /// <summary>The connectors with a broker user of their own (<see cref="ProjectResource.WithBrokerUser"/>).</summary>
    public List<ConnectorBrokerUser> ConnectorUsers { get; } = [];

    /// <summary>
    /// The connection string <paramref name="connector"/> is given: its own user on the local node; on an external broker
    /// the operator's (the operator creates the connectors' users there, deploy/README.md).
    /// </summary>
    public string? ConnectionStringFor(ConnectorBrokerUser connector, string stateDirectory) => Local is null
        ? ConnectionString
        : connector.ConnectionString(Local.ConnectionString, LocalSecrets.GetOrCreate(stateDirectory, BrokerPasswordSecret(connector)));

    /// <summary>The broker user a connector is known by: its own locally, the operator's on an external broker.</summary>
    public string UserOf(ConnectorBrokerUser connector) =>
        IsExternal ? BrokerUserOf(ExternalConnectionString!) : connector.Name;

    private static string BrokerUserOf(string connectionString) =>
        Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) && uri.UserInfo.Split(':')[0] is { Length: > 0 } user
            ? Uri.UnescapeDataString(user)
            : "guest";

    private static string BrokerPasswordSecret(ConnectorBrokerUser connector) => $"broker-{connector.Name}";

    public override IReadOnlyList<string> Endpoints => Local is null
        ? (IsExternal ? ["external broker"] : [])
        : [$"amqp://127.0.0.1:{Local.AmqpPort}", Local.ManagementUrl];

    protected override string Starting => "RabbitMQ, about 7 s";

    public override void AddReferenceEnvironment(IDictionary<string, string?> environment) =>
        environment[ResourceEnvironment.ConnectionString(Name)] = ConnectionString;

    protected override LocalRabbitMq CreateLocal(HostContext context) =>
        new(Path.Combine(context.Options.StateDirectory, Name), Ports.Free(), Ports.Free(), Logs.Append);

    /// <summary>
    /// The services' user (guest, loopback only) may move connectors' messages to _error queues; each connector gets a
    /// user of its own (<see cref="ConnectorBrokerUser"/>).
    /// </summary>
    protected override async Task AfterLocalStartAsync(LocalRabbitMq node, HostContext host, CancellationToken cancellationToken)
    {
        using var management = ConnectorBrokerUser.Management(new Uri(node.ManagementUrl), "guest", "guest");
        await ConnectorBrokerUser.AllowServiceToMoveMessagesAsync(management, "guest", "guest", cancellationToken);
        foreach (var connector in ConnectorUsers)
        {
            await connector.CreateAsync(management, "/", LocalSecrets.GetOrCreate(host.Options.StateDirectory, BrokerPasswordSecret(connector)), cancellationToken);
        }
    }

    public override async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (State != ResourceState.Running || Local is null)
        {
            return;
        }

        Health = Local.Process is { HasExited: false } && await TcpAnswersAsync(Local.AmqpPort, cancellationToken)
            ? ResourceHealth.Healthy
            : ResourceHealth.Unhealthy;
    }

    private static async Task<bool> TcpAnswersAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
