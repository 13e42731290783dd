using System.Diagnostics;
using Finqware.AppHost.Infrastructure;
using Npgsql;

namespace Finqware.AppHost.Hosting;

/// <summary>
/// PostgreSQL: a local server (data under the state directory, kept across runs), or the external server named by
/// <c>ConnectionStrings:{name}</c>, on which the AppHost creates the databases.
/// </summary>
public sealed class PostgresResource(string name, string? externalConnectionString, Action<DatabaseResource> declare) : Resource(name, "postgres")
{
    private LocalPostgres? local;
    private HostContext? context;

    public List<DatabaseResource> Databases { get; } = [];

    public bool IsExternal => externalConnectionString is not null;

    public string? ServerConnectionString => externalConnectionString ?? local?.ConnectionString;

    public override IReadOnlyList<string> Endpoints => local is null
        ? (IsExternal ? ["external server"] : [])
        : [$"tcp://127.0.0.1:{local.Port}"];

    public override IEnumerable<int> ProcessGroups => local?.Process is { } p ? [p.ProcessGroup] : [];

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

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        this.context = context;
        var watch = Stopwatch.StartNew();
        State = ResourceState.Starting;
        StartedAt = DateTimeOffset.UtcNow;
        try
        {
            if (!IsExternal)
            {
                context.Say($"starting {Name} (PostgreSQL)…");
                local = new LocalPostgres(
                    Path.Combine(context.Options.StateDirectory, Name),
                    Ports.Free(),
                    context.Options.FastInfrastructure,
                    Logs.Append);
                await StartLocalAsync(local, context, cancellationToken);
                Logs.Append($"data directory: {local.DataDirectory}", false);
            }
            else
            {
                await using var connection = new NpgsqlConnection(externalConnectionString);
                await connection.OpenAsync(cancellationToken);
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
        if (local is not null)
        {
            State = ResourceState.Stopping;
            await local.StopAsync();
            context?.Pids.Forget(Name);
        }

        State = ResourceState.Stopped;
        Health = ResourceHealth.Unknown;
        Pid = null;
    }

    /// <summary>
    /// Starts the local server again after <see cref="StopAsync"/>, as a database restart would: the same port, the same
    /// data. The services' connection pools reconnect by themselves.
    /// </summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        if (local is null || context is null)
        {
            throw new InvalidOperationException($"{Name} is not a local server started by this host: an external server is restarted by its operators.");
        }

        await RestartWithAsync(context, () => StartLocalAsync(local, context, cancellationToken));
    }

    private async Task StartLocalAsync(LocalPostgres server, HostContext host, CancellationToken cancellationToken)
    {
        await server.StartAsync(cancellationToken);
        Pid = server.Process!.Pid;
        host.Pids.Record(Name, server.Process.ProcessGroup);
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
public sealed class RabbitMqResource(string name, string? externalConnectionString) : Resource(name, "rabbitmq")
{
    private LocalRabbitMq? local;
    private HostContext? context;

    public bool IsExternal => externalConnectionString is not null;

    public string? ConnectionString => externalConnectionString ?? local?.ConnectionString;

    public string? ManagementUrl => local?.ManagementUrl;

    public override IReadOnlyList<string> Endpoints => local is null
        ? (IsExternal ? ["external broker"] : [])
        : [$"amqp://127.0.0.1:{local.AmqpPort}", local.ManagementUrl];

    public override IEnumerable<int> ProcessGroups =>
        new[] { local?.Process, local?.EpmdProcess }.Where(p => p is not null).Select(p => p!.ProcessGroup);

    public override void AddReferenceEnvironment(IDictionary<string, string?> environment) =>
        environment[ResourceEnvironment.ConnectionString(Name)] = ConnectionString;

    public override async Task StartAsync(HostContext context, CancellationToken cancellationToken)
    {
        this.context = context;
        var watch = Stopwatch.StartNew();
        State = ResourceState.Starting;
        StartedAt = DateTimeOffset.UtcNow;
        try
        {
            if (!IsExternal)
            {
                context.Say($"starting {Name} (RabbitMQ, about 7 s)…");
                local = new LocalRabbitMq(Path.Combine(context.Options.StateDirectory, Name), Ports.Free(), Ports.Free(), Logs.Append);
                await StartLocalAsync(local, context, cancellationToken);
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
        if (local is not null)
        {
            State = ResourceState.Stopping;
            await local.StopAsync();
            context?.Pids.Forget(Name);
            context?.Pids.Forget(Name + "-epmd");
        }

        State = ResourceState.Stopped;
        Health = ResourceHealth.Unknown;
        Pid = null;
    }

    /// <summary>
    /// Starts the local node again after <see cref="StopAsync"/>, as a broker restart would: the same ports, the same
    /// data (its durable queues and the persistent messages in them). The services reconnect by themselves.
    /// </summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken)
    {
        if (local is null || context is null)
        {
            throw new InvalidOperationException($"{Name} is not a local node started by this host: an external broker is restarted by its operators.");
        }

        await RestartWithAsync(context, () => StartLocalAsync(local, context, cancellationToken));
    }

    private async Task StartLocalAsync(LocalRabbitMq node, HostContext host, CancellationToken cancellationToken)
    {
        await node.StartAsync(cancellationToken);
        Pid = node.Process!.Pid;
        host.Pids.Record(Name, node.Process.ProcessGroup);
        host.Pids.Record(Name + "-epmd", node.EpmdProcess!.ProcessGroup);
    }

    public override async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (State != ResourceState.Running || local is null)
        {
            return;
        }

        Health = local.Process is { HasExited: false } && await TcpAnswersAsync(local.AmqpPort, cancellationToken)
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
