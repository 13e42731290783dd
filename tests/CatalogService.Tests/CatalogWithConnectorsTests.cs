using Finqware.AppHost.Hosting;
using Finqware.AppHost.Infrastructure;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Finqware.CatalogService.Tests;

/// <summary>
/// The catalog and real connector processes (the example connector of docs/connectors.md) on real RabbitMQ and
/// PostgreSQL: skills appear when a connector starts, disappear when it stops, instances share a queue's work, a
/// bad manifest is dead-lettered without disturbing anything, and a step runs once however often it is delivered. Each
/// connector has a broker user of its own, as the AppHost gives it: the broker keeps it to its own queues and messages,
/// and the catalog takes a skill's announcement only from the connector registered for its provider.
/// </summary>
public sealed class CatalogWithConnectorsTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private const string Skill = "example_echo_sbx_#1.0";
    private readonly List<ConnectorProcess> connectors = [];
    private WebApplicationFactory<Program> catalog = null!;
    private HttpClient client = null!;
    private string broker = null!;
    private string connectorDb = null!;
    private ConnectorBrokerUser example = null!;
    private ConnectorBrokerUser other = null!;
    private string exampleBroker = null!;
    private string otherBroker = null!;

    public async ValueTask InitializeAsync()
    {
        broker = await rabbit.CreateVirtualHostAsync("catalog");
        // Broker users are the node's, not the virtual host's: a name of this test's own.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        example = new ConnectorBrokerUser($"example-connector-{suffix}", "example", [Skill]);
        other = new ConnectorBrokerUser($"other-connector-{suffix}", "other", ["other_thing_sbx_#1.0"]);
        exampleBroker = await rabbit.CreateConnectorUserAsync(broker, example);
        otherBroker = await rabbit.CreateConnectorUserAsync(broker, other);
        connectorDb = await postgres.CreateDatabaseAsync("connector");
        var catalogDb = await postgres.CreateDatabaseAsync("catalog");
        catalog = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:catalogdb", catalogDb);
            web.UseSetting("ConnectionStrings:messaging", broker);
            web.UseSetting("Catalog:Providers:example:0", example.Name);
            web.UseSetting("Catalog:Providers:other:0", other.Name);
            web.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        });
        client = catalog.CreateClient();
        await EventuallyAsync(TimeSpan.FromSeconds(30), async () => (await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK ? true : (bool?)null);
    }

    /// <summary>
    /// How long a connector process may take to start and announce itself: seconds on a quiet machine, many more on two
    /// cores that other test runs share. Its start-up time is not what these tests check (bench/ measures start times).
    /// </summary>
    private static readonly TimeSpan ConnectorStart = TimeSpan.FromSeconds(60);

    public async ValueTask DisposeAsync()
    {
        foreach (var connector in connectors)
        {
            await connector.DisposeAsync();
        }

        client.Dispose();
        await catalog.DisposeAsync();
    }

    [Fact]
    public async Task A_started_connector_makes_its_skill_available_and_stopping_it_makes_it_unavailable()
    {
        var connector = Start();

        var skill = await EventuallyAsync(ConnectorStart, () => SkillAsync(s => s?.GetProperty("status").GetString() == "AVAILABLE"));
        Assert.Equal(1, skill.GetProperty("instances").GetInt32());
        Assert.Equal("greeting", skill.GetProperty("steps")[0].GetProperty("name").GetString());
        var listed = await client.GetFromJsonAsync<JsonElement>("/skills?flavor=sandbox&provider=example");
        Assert.Contains(listed.GetProperty("skills").EnumerateArray(), s => s.GetProperty("skill_id").GetString() == Skill);

        await connector.StopAsync();

        await EventuallyAsync(TimeSpan.FromSeconds(20), () => SkillAsync(s => s?.GetProperty("status").GetString() == "UNAVAILABLE"));
    }

    [Fact]
    public async Task A_killed_connector_turns_unavailable_within_20_s_when_its_heartbeats_stop()
    {
        var connector = Start();
        await EventuallyAsync(ConnectorStart, () => SkillAsync(s => s?.GetProperty("status").GetString() == "AVAILABLE"));

        connector.Kill();

        await EventuallyAsync(TimeSpan.FromSeconds(20), () => SkillAsync(s => s?.GetProperty("status").GetString() == "UNAVAILABLE"));
    }

    [Fact]
    public async Task Two_instances_are_one_skill_with_two_instances_and_share_the_queues_work_each_step_once()
    {
        var first = Start();
        var second = Start();
        await EventuallyAsync(ConnectorStart, () => SkillAsync(s => s?.GetProperty("instances").GetInt32() == 2));
        Assert.Single((await client.GetFromJsonAsync<JsonElement>("/skills")).GetProperty("skills").EnumerateArray(), s => s.GetProperty("skill_id").GetString() == Skill);

        await using var bus = await MessageRecorder.StartAsync(broker, record => record.Record<StepProcessed>());
        var steps = Enumerable.Range(0, 40).Select(i => Step($"user{i}")).ToList();
        foreach (var step in steps)
        {
            await bus.SendAsync(SkillQueues.For(step.Skill), step);
        }

        await EventuallyAsync(TimeSpan.FromSeconds(20), () => Task.FromResult(bus.Of<StepProcessed>().Select(p => p.StepId).Distinct().Count() == steps.Count ? true : (bool?)null));
        // Console output may lag the published outcomes a little under load.
        await EventuallyAsync(TimeSpan.FromSeconds(10), () => Task.FromResult(first.ProcessedSteps().Count + second.ProcessedSteps().Count >= steps.Count ? true : (bool?)null));
        var byFirst = first.ProcessedSteps();
        var bySecond = second.ProcessedSteps();
        Assert.True(byFirst.Count > 0 && bySecond.Count > 0, $"both instances should work: {byFirst.Count} and {bySecond.Count}");
        Assert.Equal(steps.Count, byFirst.Count + bySecond.Count);
        Assert.Empty(byFirst.Intersect(bySecond));
        Assert.All(bus.Of<StepProcessed>(), p => Assert.Equal(StepOutcomes.Completed, p.Outcome));
    }

    [Fact]
    public async Task A_redelivered_step_does_not_run_the_handler_twice_and_its_outcome_is_published_again()
    {
        var connector = Start();
        await EventuallyAsync(ConnectorStart, () => SkillAsync(s => s?.GetProperty("status").GetString() == "AVAILABLE"));
        await using var bus = await MessageRecorder.StartAsync(broker, record => record.Record<StepProcessed>());
        var step = Step("Ana");

        await bus.SendAsync(SkillQueues.For(step.Skill), step);
        await EventuallyAsync(TimeSpan.FromSeconds(10), () => Task.FromResult(bus.Of<StepProcessed>().Count == 1 ? true : (bool?)null));
        await bus.SendAsync(SkillQueues.For(step.Skill), step);
        await EventuallyAsync(TimeSpan.FromSeconds(10), () => Task.FromResult(bus.Of<StepProcessed>().Count == 2 ? true : (bool?)null));

        Assert.Equal([step.StepId], connector.ProcessedSteps());
        Assert.Contains(connector.Output, l => l.Contains($"{step.StepId} was already processed", StringComparison.Ordinal));
        Assert.All(bus.Of<StepProcessed>(), p => Assert.Equal("Hello, Ana!", p.Result!.Value.GetProperty("greeting").GetString()));
    }

    [Fact]
    public async Task An_invalid_manifest_is_dead_lettered_and_disturbs_neither_the_catalog_nor_other_skills()
    {
        Start();
        await EventuallyAsync(ConnectorStart, () => SkillAsync(s => s?.GetProperty("status").GetString() == "AVAILABLE"));
        await using var bus = await MessageRecorder.PublisherAsync(exampleBroker, example.Name);
        var bad = ManifestValidatorTests.Valid("bad_skill_sbx_#1.0", """{"type":"object","properties":{"n":{"type":"integer"}},"examples":[{"n":"x"}]}""");

        await bus.PublishAsync(new SkillAnnounced { InstanceId = "bad-instance", Manifest = bad, AnnouncedAt = DateTimeOffset.UtcNow });
        await bus.PublishAsync(new SkillHeartbeat { InstanceId = "bad-instance", SkillIds = [bad.SkillId], At = DateTimeOffset.UtcNow });

        await EventuallyAsync(TimeSpan.FromSeconds(10), async () => await rabbit.QueueDepthAsync(broker, "catalog-skill-announced_error") == 1 ? true : (bool?)null);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/skills/" + Uri.EscapeDataString(bad.SkillId))).StatusCode);
        Assert.Equal("AVAILABLE", (await SkillAsync(_ => true))!.Value.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task An_announcement_is_taken_only_from_the_connector_registered_for_the_skills_provider()
    {
        Start();
        await EventuallyAsync(ConnectorStart, () => SkillAsync(s => s?.GetProperty("status").GetString() == "AVAILABLE"));
        await using var otherBus = await MessageRecorder.PublisherAsync(otherBroker, other.Name);
        await using var unstamped = await MessageRecorder.PublisherAsync(broker);
        var echo = await client.GetFromJsonAsync<JsonElement>("/skills/" + Uri.EscapeDataString(Skill));

        // Another provider's connector announces a new skill of provider example, and takes over example's skill by
        // announcing it as its own provider's; a message without a validated sender announces a skill of example.
        var forged = ManifestValidatorTests.Valid("example_forged_sbx_#1.0", """{"type":"object","properties":{"n":{"type":"integer"}},"examples":[{"n":1}]}""") with { Provider = "example" };
        var takeover = ManifestValidatorTests.Valid(Skill, """{"type":"object","properties":{"n":{"type":"integer"}},"examples":[{"n":1}]}""") with { Provider = "other" };
        await otherBus.PublishAsync(new SkillAnnounced { InstanceId = "other-instance", Manifest = forged, AnnouncedAt = DateTimeOffset.UtcNow });
        await otherBus.PublishAsync(new SkillAnnounced { InstanceId = "other-instance", Manifest = takeover, AnnouncedAt = DateTimeOffset.UtcNow });
        await unstamped.PublishAsync(new SkillAnnounced { InstanceId = "nobody", Manifest = forged with { SkillId = "example_anonymous_sbx_#1.0" }, AnnouncedAt = DateTimeOffset.UtcNow });
        await otherBus.PublishAsync(new SkillHeartbeat { InstanceId = "other-instance", SkillIds = [Skill], At = DateTimeOffset.UtcNow });

        await EventuallyAsync(TimeSpan.FromSeconds(20), async () => await rabbit.QueueDepthAsync(broker, "catalog-skill-announced_error") == 3 ? true : (bool?)null);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/skills/" + Uri.EscapeDataString(forged.SkillId))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/skills/example_anonymous_sbx_%231.0")).StatusCode);
        var after = await client.GetFromJsonAsync<JsonElement>("/skills/" + Uri.EscapeDataString(Skill));
        Assert.Equal("example", after.GetProperty("provider").GetString());
        Assert.Equal(echo.GetProperty("steps").GetRawText(), after.GetProperty("steps").GetRawText());
        Assert.Equal(1, after.GetProperty("instances").GetInt32());

        // The registered connector's own announcement still goes through (the control: the refusals above are not the bus's).
        var own = ManifestValidatorTests.Valid("example_second_sbx_#1.0", """{"type":"object","properties":{"n":{"type":"integer"}},"examples":[{"n":1}]}""") with { Provider = "example" };
        await using var exampleBus = await MessageRecorder.PublisherAsync(exampleBroker, example.Name);
        await exampleBus.PublishAsync(new SkillAnnounced { InstanceId = "example-instance", Manifest = own, AnnouncedAt = DateTimeOffset.UtcNow });
        await EventuallyAsync(TimeSpan.FromSeconds(20), async () => (await client.GetAsync("/skills/example_second_sbx_%231.0")).IsSuccessStatusCode ? true : (bool?)null);
    }

    [Fact]
    public async Task A_connectors_broker_user_reaches_only_its_own_queues_and_cannot_sign_as_another()
    {
        Start();
        await EventuallyAsync(ConnectorStart, () => SkillAsync(s => s?.GetProperty("status").GetString() == "AVAILABLE"));

        // Another connector's credentials: a wrong password does not connect.
        var wrongPassword = new UriBuilder(new Uri(exampleBroker)) { Password = "not-the-password" }.Uri;
        await Assert.ThrowsAnyAsync<BrokerUnreachableException>(() => new ConnectionFactory { Uri = wrongPassword }.CreateConnectionAsync());

        await using var connection = await new ConnectionFactory { Uri = new Uri(otherBroker) }.CreateConnectionAsync();

        // It cannot read another connector's steps, nor put steps on its queue.
        var consume = await RefusedAsync(connection, channel => channel.BasicConsumeAsync(SkillQueues.For(Skill), autoAck: false, new AsyncEventingBasicConsumer(channel)));
        Assert.Contains("ACCESS_REFUSED", consume, StringComparison.Ordinal);
        var send = await RefusedAsync(connection, channel => PublishAsync(channel, SkillQueues.For(Skill), null));
        Assert.Contains("ACCESS_REFUSED", send, StringComparison.Ordinal);

        // It cannot publish the services' events.
        var registered = await RefusedAsync(connection, channel => PublishAsync(channel, ConnectorMessages.Exchange(typeof(SkillRegistered)), other.Name));
        Assert.Contains("ACCESS_REFUSED", registered, StringComparison.Ordinal);

        // It cannot sign a message as another connector: the broker checks user_id against the connection's user.
        var impersonated = await RefusedAsync(connection, channel => PublishAsync(channel, ConnectorMessages.Exchange(typeof(SkillHeartbeat)), example.Name));
        Assert.Contains("PRECONDITION_FAILED", impersonated, StringComparison.Ordinal);

        // What it may do: publish as itself.
        await using var allowed = await connection.CreateChannelAsync();
        await PublishAsync(allowed, ConnectorMessages.Exchange(typeof(SkillHeartbeat)), other.Name);
        await allowed.ExchangeDeclarePassiveAsync(ConnectorMessages.Exchange(typeof(SkillHeartbeat)));
        Assert.True(allowed.IsOpen);
    }

    /// <summary>Runs <paramref name="operation"/> on a new channel, then a round trip; returns the broker's reason for closing the channel.</summary>
    private static async Task<string> RefusedAsync(IConnection connection, Func<IChannel, Task> operation)
    {
        await using var channel = await connection.CreateChannelAsync();
        var failure = await Record.ExceptionAsync(async () =>
        {
            await operation(channel);
            // A publish is not answered: a round trip after it shows whether the broker closed the channel.
            await channel.ExchangeDeclarePassiveAsync("amq.direct");
        });
        Assert.NotNull(failure);
        return failure is OperationInterruptedException interrupted ? interrupted.ShutdownReason?.ReplyText ?? failure.Message : failure.Message;
    }

    private static async Task PublishAsync(IChannel channel, string exchange, string? userId)
    {
        var properties = new BasicProperties { UserId = userId, ContentType = "application/vnd.masstransit+json" };
        await channel.BasicPublishAsync(exchange, "", mandatory: false, properties, "{}"u8.ToArray());
    }

    private ConnectorProcess Start()
    {
        var connector = ConnectorProcess.Start(exampleBroker, connectorDb);
        connectors.Add(connector);
        return connector;
    }

    private static ProcessStep Step(string name) => new()
    {
        SessionId = Guid.NewGuid(),
        StepId = Guid.NewGuid(),
        ClientId = "fqc_test",
        Skill = Skill,
        Step = "greeting",
        StepNumber = 1,
        Data = JsonSerializer.SerializeToElement(new { name }),
    };

    private async Task<JsonElement?> SkillAsync(Func<JsonElement?, bool> condition)
    {
        var response = await client.GetAsync("/skills/" + Uri.EscapeDataString(Skill));
        JsonElement? skill = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        return condition(skill) ? skill : null;
    }

    private static async Task<T> EventuallyAsync<T>(TimeSpan within, Func<Task<T?>> probe) where T : struct
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The condition did not hold within {within.TotalSeconds} s.");
            await Task.Delay(100);
        }
    }

    /// <summary>The example connector, started from its build output as the AppHost starts it.</summary>
    private sealed class ConnectorProcess : IAsyncDisposable
    {
        private readonly ChildProcess process;

        private ConnectorProcess(ChildProcess process) => this.process = process;

        public ConcurrentQueue<string> Output { get; } = new();

        public static ConnectorProcess Start(string broker, string database)
        {
            var root = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!;
            var options = new FinqwareHostOptions { RepositoryRoot = root, StateDirectory = Path.GetTempPath() };
            var project = new ProjectResource("example-connector", "../SkillConnectors/ExampleConnector/ExampleConnector.csproj");
            ConnectorProcess? self = null;
            var child = ChildProcess.Start("dotnet", ["exec", project.ResolveAssembly(options)], project.ProjectDirectory(options), new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["ConnectionStrings__messaging"] = broker,
                ["ConnectionStrings__connectordb"] = database,
                ["Connector__HeartbeatInterval"] = "00:00:01",
                ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            }, (line, _) => self?.Output.Enqueue(line));
            self = new ConnectorProcess(child);
            return self;
        }

        public IReadOnlyList<Guid> ProcessedSteps() => Output
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"Step example_echo_sbx_#1\.0/greeting ([0-9a-f-]{36}): COMPLETED"))
            .Where(m => m.Success)
            .Select(m => Guid.Parse(m.Groups[1].Value))
            .ToList();

        public Task StopAsync() => process.StopAsync(TimeSpan.FromSeconds(20));

        public void Kill() => ChildProcess.SignalGroup(process.ProcessGroup, Signals.SIGKILL);

        public async ValueTask DisposeAsync() => await process.DisposeAsync();
    }
}
