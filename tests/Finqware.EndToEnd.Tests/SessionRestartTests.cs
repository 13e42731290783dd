using Microsoft.Extensions.Hosting;
using Finqware.AppHost.Hosting;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.Sdk;
using MassTransit;
using Npgsql;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// Issue 5's must-show: SessionService killed (SIGKILL of its process group, under the AppHost) between accepting a
/// step and receiving its result; the AppHost restarts it, and the step completes, once. A duplicated StepProcessed
/// then changes nothing, and the tenant's usage counts each unit once.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class SessionRestartTests(SystemFixture system)
{
    private const string Skill = "e2e_hold_sbx_#1.0";

    private static readonly SkillManifest Manifest = HeldStepFlow.Manifest(Skill, "Held step (end-to-end tests)");

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_step_accepted_before_sessionservice_is_killed_completes_once_after_its_restart()
    {
        await using var connector = await TestConnector.StartAsync(system, host => host.AddSkill(Manifest).HandleStep<HeldStepHandler>("consent"));
        await TestConnector.WaitUntilAvailableAsync(system.Gateway, Skill);
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        await using var receiver = await WebhookReceiver.StartAsync(received);
        var tenant = await GatewayTenant.CreateAsync(system.Gateway, [Skill], receiver.Url);
        using var server = ContractChecked.Client(system.Gateway.BaseAddress!);
        server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiToken);

        var session = await tenant.Sessions(system.Gateway).OpenAsync(Skill, Cancel);
        var sessionId = session.Id;
        var stepId = (await session.SubmitAsync("consent", new { user = "user_good" }, Cancel)).StepId;

        // The connector has the step; SessionService dies before the result comes back.
        await HeldStepHandler.Entered(stepId).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var before = await ResourceAsync();
        var pid = before.GetProperty("pid").GetInt32();
        Assert.True(ChildProcess.SignalGroup(pid, Signals.SIGKILL));
        await EventuallyAsync(async () => !ChildProcess.IsAlive(pid) ? true : (bool?)null);

        // The result is published while SessionService is down; its queue keeps it.
        HeldStepHandler.Release(stepId);
        var after = await EventuallyAsync(async () =>
        {
            var r = await ResourceAsync();
            return r.GetProperty("restart_count").GetInt32() > before.GetProperty("restart_count").GetInt32()
                && r.GetProperty("health").GetString() == "Healthy" ? r : (JsonElement?)null;
        });
        Assert.NotEqual(pid, after.GetProperty("pid").GetInt32());

        var step = await EventuallyAsync(async () =>
        {
            using var response = await server.GetAsync($"/sessions/{sessionId}/steps/{stepId}?wait=10", Cancel);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            return response.IsSuccessStatusCode && body.GetProperty("status").GetString() == "COMPLETED" ? body : (JsonElement?)null;
        });
        Assert.Equal("consent", step.GetProperty("result").GetProperty("step").GetString());
        Assert.Equal(1, HeldStepHandler.Runs(stepId));
        await EventuallyAsync(async () => received.Count >= 2 ? true : (bool?)null);

        // The connector's result again, as new messages (one the same, one contradicting it): nothing changes.
        var applied = await InboxCountAsync();
        var bus = await BusAsync();
        try
        {
            await bus.Publish(new StepProcessed
            {
                SessionId = sessionId, StepId = stepId, Skill = Skill, Step = "consent", Outcome = "COMPLETED",
                Result = JsonDocument.Parse("""{"tampered":true}""").RootElement, ProcessedAt = DateTimeOffset.UtcNow,
            }, Cancel);
            await bus.Publish(new StepProcessed
            {
                SessionId = sessionId, StepId = stepId, Skill = Skill, Step = "consent", Outcome = "FAILED",
                Error = new StepError { Code = "LATE", Message = "a late copy" }, ProcessedAt = DateTimeOffset.UtcNow,
            }, Cancel);
        }
        finally
        {
            await bus.StopAsync(Cancel);
        }

        await EventuallyAsync(async () => await InboxCountAsync() >= applied + 2 ? true : (bool?)null);
        var again = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/steps/{stepId}", Cancel);
        Assert.Equal("COMPLETED", again.GetProperty("status").GetString());
        Assert.Equal(step.GetProperty("updated_at").GetDateTimeOffset(), again.GetProperty("updated_at").GetDateTimeOffset());
        Assert.False(again.GetProperty("result").TryGetProperty("tampered", out _));
        var read = await session.ReadAsync(Cancel);
        Assert.Equal("COMPLETED", read.GetProperty("status").GetString());
        Assert.Single(read.GetProperty("steps").EnumerateArray());
        // One STEP_COMPLETED and one SESSION_COMPLETED, each once, whatever came twice.
        var deliveries = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/webhooks", Cancel);
        Assert.Equal(["SESSION_COMPLETED", "STEP_COMPLETED"], deliveries.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("type").GetString()).Order());
        Assert.Equal(2, received.Count);

        // Its usage: the session, its step and both webhooks, each once (the tenant is this test's own).
        var expected = UsageCounts.Expect(("sessions_opened", 1), ("sessions_completed", 1), ("steps", 1), ("steps_completed", 1), ("webhooks_delivered", 2));
        Assert.Equal(expected, await UsageCounts.WaitForAsync(server, "/usage", expected, Cancel));
    }

    private async Task<long> InboxCountAsync()
    {
        var postgres = (PostgresResource)system.Host["postgres"];
        await using var connection = new NpgsqlConnection(postgres.ConnectionStringFor("sessiondb"));
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM inbox_messages WHERE consumer = 'StepProcessedConsumer'", connection);
        return (long)(await command.ExecuteScalarAsync(Cancel))!;
    }

    /// <summary>A bus connected as the test connector (its own broker user), publishing as it.</summary>
    private async Task<IBusControl> BusAsync()
    {
        var address = BrokerAddress.Parse(system.TestConnectorBroker);
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address);
            BrokerSender.Stamp(rabbit, address.Username);
        });
        await bus.StartAsync(Cancel);
        return bus;
    }

    private async Task<JsonElement> ResourceAsync() => await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources/sessions", Cancel);

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (HttpRequestException)
            {
                // The gateway answers 502 or the service is still starting: try again.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("The condition did not hold within 60 s.");
    }
}

/// <summary>Holds each step until the test releases it, and counts how often each step ran.</summary>
public sealed class HeldStepHandler : IStepHandler
{
    private static readonly ConcurrentDictionary<Guid, TaskCompletionSource> EnteredSteps = new();
    private static readonly ConcurrentDictionary<Guid, TaskCompletionSource> ReleasedSteps = new();
    private static readonly ConcurrentDictionary<Guid, int> RunCounts = new();

    public static Task Entered(Guid stepId) => Source(EnteredSteps, stepId).Task;

    public static void Release(Guid stepId) => Source(ReleasedSteps, stepId).TrySetResult();

    public static int Runs(Guid stepId) => RunCounts.GetValueOrDefault(stepId);

    public async Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken)
    {
        RunCounts.AddOrUpdate(step.StepId, 1, (_, n) => n + 1);
        Source(EnteredSteps, step.StepId).TrySetResult();
        await Source(ReleasedSteps, step.StepId).Task.WaitAsync(cancellationToken);
        return StepOutcome.Completed(new { step = step.Step });
    }

    private static TaskCompletionSource Source(ConcurrentDictionary<Guid, TaskCompletionSource> sources, Guid stepId) =>
        sources.GetOrAdd(stepId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
