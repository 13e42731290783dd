using System.Text.RegularExpressions;
using Finqware.AppHost.Hosting;
using Finqware.Contracts.Skills;
using Npgsql;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The sandbox bank as a worker of the running system: killed while it holds steps it loses none of them (the AppHost
/// restarts it and every step reaches its terminal status, once), and a second instance shares its skill queue's work.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed partial class SandboxBankResilienceTests(SystemFixture system) : IAsyncLifetime
{
    private SandboxBankDriver bank = null!;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private ProjectResource Connector => (ProjectResource)system.Host["sandbox-bank"];

    public async ValueTask InitializeAsync() => bank = await SandboxBankDriver.StartAsync(system, Cancel);

    public async ValueTask DisposeAsync() => await bank.DisposeAsync();

    [Fact]
    public async Task Killing_the_connector_while_it_holds_steps_loses_none_each_reaches_its_terminal_status_once()
    {
        // Decoupled consents: their SCA steps are sent together and the connector is killed at once, so it dies holding
        // steps in every state: being run, ACTION_REQUIRED with the approval follow-up not yet due, still in the queue.
        var sessions = new List<DrivenSession>();
        for (var i = 0; i < 6; i++)
        {
            var session = await bank.OpenAsync(SandboxBankDriver.Aisp);
            Assert.Equal("COMPLETED", (await session.RunAsync("credentials", new { username = "user_decoupled", password = "pass_good" })).GetProperty("status").GetString());
            sessions.Add(session);
        }

        var restarts = Connector.RestartCount;
        var group = Assert.Single(Connector.ProcessGroups);
        var held = await Task.WhenAll(sessions.Select(s => s.SubmitAsync("sca", new { })));
        Assert.True(ChildProcess.SignalGroup(group, Signals.SIGKILL));

        // Steps sent while it is down wait in the queue for the restarted process.
        var queued = new List<(DrivenSession Session, SubmittedStep Step)>();
        for (var i = 0; i < 3; i++)
        {
            var session = await bank.OpenAsync(SandboxBankDriver.Aisp);
            queued.Add((session, await session.SubmitAsync("credentials", new { username = "user_good", password = "pass_good" })));
        }

        var finished = await Task.WhenAll(sessions.Zip(held).Select(p => p.First.WaitStepAsync(p.Second.StepId, "COMPLETED", "FAILED")));
        Assert.All(finished, s => Assert.Equal("COMPLETED", s.GetProperty("status").GetString()));
        foreach (var (session, step) in queued)
        {
            Assert.Equal("COMPLETED", (await session.WaitStepAsync(step.StepId, "COMPLETED", "FAILED")).GetProperty("status").GetString());
        }

        Assert.True(Connector.RestartCount > restarts, "the AppHost should have restarted the killed connector");
        Assert.False(ChildProcess.GroupIsAlive(group));

        // Once: one consent per session at the bank, one ledger row per step, and each step's connection is the one granted.
        await using var db = new NpgsqlConnection(((DatabaseResource)system.Host["sandboxbankdb"]).ConnectionString);
        await db.OpenAsync(Cancel);
        await using (var consents = new NpgsqlCommand("SELECT session_id, count(*) FROM sandbox_connections WHERE session_id = ANY(@ids) GROUP BY session_id", db))
        {
            consents.Parameters.AddWithValue("ids", sessions.Select(s => s.Id).ToArray());
            var counts = new Dictionary<Guid, long>();
            await using var reader = await consents.ExecuteReaderAsync(Cancel);
            while (await reader.ReadAsync(Cancel))
            {
                counts[reader.GetGuid(0)] = reader.GetInt64(1);
            }

            Assert.Equal(sessions.Select(s => s.Id).Order(), counts.Keys.Order());
            Assert.All(counts.Values, c => Assert.Equal(1, c));
        }

        await using (var ledger = new NpgsqlCommand("SELECT count(*) FROM processed_steps WHERE step_id = ANY(@ids)", db))
        {
            ledger.Parameters.AddWithValue("ids", held.Concat(queued.Select(q => q.Step)).Select(s => s.StepId).ToArray());
            Assert.Equal((long)(held.Length + queued.Count), await ledger.ExecuteScalarAsync(Cancel));
        }

        await WaitHealthyAsync();
    }

    [Fact]
    public async Task Two_instances_of_the_connector_split_the_work_of_one_skill_queue_each_step_once()
    {
        await WaitHealthyAsync();
        var options = system.Host.Options;
        var environment = new Dictionary<string, string?>(Connector.Environment)
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["Connector__SayGoodbye"] = "false",
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={Guid.NewGuid()}",
        };
        var output = new ConcurrentQueue<string>();
        await using var second = ChildProcess.Start("dotnet", ["exec", Connector.ResolveAssembly(options)], Connector.ProjectDirectory(options), environment, (line, _) => output.Enqueue(line));
        await EventuallyAsync(() => Task.FromResult(output.Any(l => l.Contains("Application started", StringComparison.Ordinal))));

        // Started is not consuming: on a loaded machine the second instance's consumer attaches seconds later, and until
        // then the first takes every step. The broker says when both consume the skill's queue.
        await EventuallyAsync(async () => await ConsumersAsync(SkillQueues.For(SandboxBankDriver.Aisp)) >= 2);
        var mark = Connector.Logs.After(0, int.MaxValue) is { Count: > 0 } lines ? lines[^1].Sequence : 0;

        // Rounds of steps until both instances have taken some (the second one's consumer may need a moment to attach
        // to the queue after its start); every step of every round must complete, each run by exactly one instance.
        var steps = new List<string>();
        List<string> byFirst = [], bySecond = [];
        for (var round = 0; round < 6 && (byFirst.Count == 0 || bySecond.Count == 0); round++)
        {
            var sessions = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => bank.OpenAsync(SandboxBankDriver.Aisp)));
            var submitted = await Task.WhenAll(sessions.Select(s => s.SubmitAsync("credentials", new { username = "user_good", password = "pass_good" })));
            var done = await Task.WhenAll(sessions.Zip(submitted).Select(p => p.First.WaitStepAsync(p.Second.StepId, "COMPLETED", "FAILED")));
            Assert.All(done, s => Assert.Equal("COMPLETED", s.GetProperty("status").GetString()));
            steps.AddRange(submitted.Select(s => s.StepId.ToString()));

            // Console output may lag the published outcomes a little.
            await EventuallyAsync(() =>
            {
                byFirst = Processed(Connector.Logs.After(mark, int.MaxValue).Select(l => l.Text)).Intersect(steps).ToList();
                bySecond = Processed(output).Intersect(steps).ToList();
                return Task.FromResult(byFirst.Count + bySecond.Count >= steps.Count);
            });
        }

        Assert.True(byFirst.Count > 0 && bySecond.Count > 0, $"both instances should work: {byFirst.Count} and {bySecond.Count}");
        Assert.Empty(byFirst.Intersect(bySecond));
        Assert.Equal(steps.Order(), byFirst.Concat(bySecond).Order());
        await second.StopAsync(TimeSpan.FromSeconds(10));
    }

    private static IEnumerable<string> Processed(IEnumerable<string> lines) => lines
        .Select(l => ProcessedLine().Match(l))
        .Where(m => m.Success)
        .Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"Step xyz_aisp_sbx_#1\.0/credentials ([0-9a-f-]{36}): COMPLETED")]
    private static partial Regex ProcessedLine();

    private async Task<long> ConsumersAsync(string queue)
    {
        using var management = new HttpClient { BaseAddress = new Uri(system.Host.RabbitMqManagementUrl!) };
        management.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        var answer = await management.GetFromJsonAsync<JsonElement>($"/api/queues/%2F/{Uri.EscapeDataString(queue)}?columns=consumers", Cancel);
        return answer.TryGetProperty("consumers", out var consumers) ? consumers.GetInt64() : 0;
    }

    private async Task WaitHealthyAsync() => await EventuallyAsync(() =>
        Task.FromResult(Connector.State == ResourceState.Running && Connector.Health == ResourceHealth.Healthy));

    private async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 60 s.");
            await Task.Delay(200, Cancel);
        }
    }
}
