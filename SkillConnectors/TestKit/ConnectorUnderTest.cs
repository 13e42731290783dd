using System.Collections.Concurrent;
using System.Diagnostics;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.Sdk;
using Finqware.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Finqware.SkillConnectors.TestKit;

/// <summary>What a connector under test is started with, besides its broker and database.</summary>
public sealed record ConnectorTestOptions
{
    /// <summary>Configuration the connector reads (keys as in appsettings.json, <c>Section:Key</c>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Runs on the built app before it starts (e.g. to map the connector's own pages).</summary>
    public Action<WebApplication>? ConfigureApp { get; init; }

    /// <summary>How long to wait for each answer of the connector.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A connector started in the test process on a real RabbitMQ (a virtual host of its own) and a real PostgreSQL (a
/// database of its own), next to a bus that stands where Finqware's services stand: it sends the steps and connection
/// commands SessionService sends, and records everything the connector publishes.
/// <code>
/// await using var connector = await ConnectorUnderTest.StartAsync(postgres, rabbit, c => c.AddMyConnector());
/// var outcome = await connector.RunStepAsync(MySkill.Manifest.SkillId, "greeting", new { name = "Ana" });
/// </code>
/// </summary>
public sealed class ConnectorUnderTest : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, int> handlerRuns = new();
    private readonly ActivityListener listener;
    private bool stopped;

    private ConnectorUnderTest(WebApplication app, ServicesProbe services, string broker, string database, TimeSpan timeout)
    {
        App = app;
        Services = services;
        Broker = broker;
        Database = database;
        Timeout = timeout;
        var source = app.Environment.ApplicationName;
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                // StepRunner opens a "step <skill>/<step>" span each time it runs a handler for a step's first run (its
                // tags are set after it starts: read when it stops).
                if (activity.OperationName.StartsWith("step ", StringComparison.Ordinal)
                    && activity.GetTagItem("finqware.step_id") is Guid stepId)
                {
                    handlerRuns.AddOrUpdate(stepId, 1, (_, n) => n + 1);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
    }

    /// <summary>The running connector.</summary>
    public WebApplication App { get; }

    /// <summary>The bus where Finqware's services would be: what the connector published, and commands to send it.</summary>
    public ServicesProbe Services { get; }

    /// <summary>The connector's broker (an amqp:// URI of its own virtual host).</summary>
    public string Broker { get; }

    /// <summary>The connector's own database (<c>ConnectionStrings:connectordb</c>).</summary>
    public string Database { get; }

    public TimeSpan Timeout { get; }

    /// <summary>The skills the connector declared.</summary>
    public IReadOnlyList<SkillManifest> Manifests => [.. App.Services.GetRequiredService<SkillRegistry>().Manifests];

    /// <summary>The instance id the connector announces and heartbeats with.</summary>
    public string InstanceId => App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ConnectorOptions>>().Value.InstanceId;

    /// <summary>
    /// Starts the connector <paramref name="configure"/> declares (the same call its Program.cs makes), with a fresh
    /// virtual host and database, and waits until it has announced its skills.
    /// </summary>
    public static async Task<ConnectorUnderTest> StartAsync(
        PostgresServerFixture postgres,
        RabbitMqFixture rabbit,
        Action<ConnectorHost> configure,
        ConnectorTestOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        ArgumentNullException.ThrowIfNull(rabbit);
        ArgumentNullException.ThrowIfNull(configure);
        options ??= new ConnectorTestOptions();
        var broker = await rabbit.CreateVirtualHostAsync("connector");
        var database = await postgres.CreateDatabaseAsync("connector");

        var services = await ServicesProbe.StartAsync(broker, database, cancellationToken);
        try
        {
            var arguments = new List<string>
            {
                "--urls=http://127.0.0.1:0",
                $"--ConnectionStrings:messaging={broker}",
                $"--ConnectionStrings:connectordb={database}",
                "--Connector:HeartbeatInterval=00:00:00.200",
                "--Logging:LogLevel:Default=Warning",
            };
            arguments.AddRange(options.Settings.Select(s => $"--{s.Key}={s.Value}"));
            var host = ConnectorHost.CreateBuilder([.. arguments]);
            configure(host);
            var app = host.Build();
            options.ConfigureApp?.Invoke(app);
            var connector = new ConnectorUnderTest(app, services, broker, database, options.Timeout);
            await app.StartAsync(cancellationToken);
            await connector.EventuallyAsync(
                () => connector.Manifests.All(m => services.Announcements.Any(a => a.Manifest.SkillId == m.SkillId)),
                "the connector did not announce its skills",
                cancellationToken);
            return connector;
        }
        catch
        {
            await services.DisposeAsync();
            throw;
        }
    }

    /// <summary>How many times a handler ran for <paramref name="stepId"/> (a redelivered step must not run it again).</summary>
    public int HandlerRuns(Guid stepId) => handlerRuns.TryGetValue(stepId, out var runs) ? runs : 0;

    /// <summary>Builds the command SessionService would send for <paramref name="step"/> of <paramref name="skill"/>.</summary>
    public static ProcessStep Step(string skill, string step, object data, int stepNumber = 1, Guid? sessionId = null, IReadOnlyDictionary<string, System.Text.Json.JsonElement>? previousResults = null) => new()
    {
        SessionId = sessionId ?? Guid.NewGuid(),
        StepId = Guid.NewGuid(),
        ClientId = "fqc_connector_test",
        Skill = skill,
        Step = step,
        StepNumber = stepNumber,
        Data = data is System.Text.Json.JsonElement element ? element : System.Text.Json.JsonSerializer.SerializeToElement(data, ServicesProbe.SnakeCase),
        Attachments = [],
        PreviousResults = previousResults ?? new Dictionary<string, System.Text.Json.JsonElement>(),
    };

    /// <summary>Sends <paramref name="command"/> to its skill's queue and returns the first outcome the connector publishes.</summary>
    public async Task<StepProcessed> RunStepAsync(ProcessStep command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        await Services.SendAsync(SkillQueues.For(command.Skill), command, cancellationToken);
        return await WaitForAsync(() => Services.Outcomes.FirstOrDefault(o => o.StepId == command.StepId), $"no outcome for step '{command.Step}'", cancellationToken);
    }

    /// <summary>Sends step <paramref name="step"/> of <paramref name="skill"/> with <paramref name="data"/> and returns its first outcome.</summary>
    public Task<StepProcessed> RunStepAsync(string skill, string step, object data, CancellationToken cancellationToken = default) =>
        RunStepAsync(Step(skill, step, data), cancellationToken);

    /// <summary>Stops the connector as the platform would (SIGTERM): in-flight steps finish, the goodbye goes out.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (!stopped)
        {
            stopped = true;
            await App.StopAsync(cancellationToken);
        }
    }

    /// <summary>Reads one value from the connector's database (e.g. from the SDK's <c>processed_steps</c> ledger).</summary>
    public async Task<T?> QueryAsync<T>(string sql, IReadOnlyDictionary<string, object>? parameters = null, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters ?? new Dictionary<string, object>())
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = await command.ExecuteScalarAsync(cancellationToken);
        return result is null or DBNull ? default : (T)result;
    }

    /// <summary>Waits (up to <see cref="Timeout"/>) until <paramref name="find"/> returns something.</summary>
    public async Task<T> WaitForAsync<T>(Func<T?> find, string failure, CancellationToken cancellationToken = default) where T : class
    {
        ArgumentNullException.ThrowIfNull(find);
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            if (find() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{failure} within {Timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Waits (up to <see cref="Timeout"/>) until <paramref name="condition"/> holds.</summary>
    public Task EventuallyAsync(Func<bool> condition, string failure, CancellationToken cancellationToken = default) =>
        WaitForAsync(() => condition() ? (object?)true : null, failure, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        listener.Dispose();
        try
        {
            await StopAsync();
        }
        finally
        {
            await App.DisposeAsync();
            await Services.DisposeAsync();
        }
    }
}
