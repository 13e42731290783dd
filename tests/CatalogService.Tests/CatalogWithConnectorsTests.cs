using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Finqware.CatalogService.Tests;

/// <summary>
/// The catalog and real connector processes (the example connector of docs/connectors.md) on real RabbitMQ and
/// PostgreSQL: skills appear when a connector starts, disappear when it stops, instances share a queue's work, a
/// bad manifest is dead-lettered without disturbing anything, and a step runs once however often it is delivered.
/// </summary>
public sealed class CatalogWithConnectorsTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private const string Skill = "example_echo_sbx_#1.0";
    private readonly List<ConnectorProcess> connectors = [];
    private WebApplicationFactory<Program> catalog = null!;
    private HttpClient client = null!;
    private string broker = null!;
    private string connectorDb = null!;

    public async ValueTask InitializeAsync()
    {
        broker = await rabbit.CreateVirtualHostAsync("catalog");
        connectorDb = await postgres.CreateDatabaseAsync("connector");
        var catalogDb = await postgres.CreateDatabaseAsync("catalog");
        catalog = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:catalogdb", catalogDb);
            web.UseSetting("ConnectionStrings:messaging", broker);
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
        await using var bus = await MessageRecorder.StartAsync(broker, record => record.Record<StepProcessed>());
        var bad = ManifestValidatorTests.Valid("bad_skill_sbx_#1.0", """{"type":"object","properties":{"n":{"type":"integer"}},"examples":[{"n":"x"}]}""");

        await bus.PublishAsync(new SkillAnnounced { InstanceId = "bad-instance", Manifest = bad, AnnouncedAt = DateTimeOffset.UtcNow });
        await bus.PublishAsync(new SkillHeartbeat { InstanceId = "bad-instance", SkillIds = [bad.SkillId], At = DateTimeOffset.UtcNow });

        await EventuallyAsync(TimeSpan.FromSeconds(10), async () => await rabbit.QueueDepthAsync(broker, "catalog-skill-announced_error") == 1 ? true : (bool?)null);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/skills/" + Uri.EscapeDataString(bad.SkillId))).StatusCode);
        Assert.Equal("AVAILABLE", (await SkillAsync(_ => true))!.Value.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    private ConnectorProcess Start()
    {
        var connector = ConnectorProcess.Start(broker, connectorDb);
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
