using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.Sdk;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Finqware.SkillConnectors.Tests;

/// <summary>
/// Steps decided later, on real RabbitMQ and PostgreSQL with an in-process connector: a follow-up publishes the step's
/// next outcome, survives a restart of the connector, and an update from outside (the connector's own page) finishes a
/// step once.
/// </summary>
public sealed class FollowUpTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private const string Skill = "test_decoupled_sbx_#1.0";
    private string broker = null!;
    private string database = null!;
    private MessageRecorder recorder = null!;

    public async ValueTask InitializeAsync()
    {
        broker = await rabbit.CreateVirtualHostAsync("followup");
        database = await postgres.CreateDatabaseAsync("connector");
        recorder = await MessageRecorder.StartAsync(broker, record => record.Record<StepProcessed>().Record<VerificationCompleted>());
    }

    public async ValueTask DisposeAsync() => await recorder.DisposeAsync();

    [Fact]
    public async Task A_decoupled_step_is_action_required_then_completed_by_its_follow_up_with_its_data_event()
    {
        await using var connector = await StartConnectorAsync();
        var step = Step("approve");

        await recorder.SendAsync(SkillQueues.For(step.Skill), step);

        var outcomes = await OutcomesAsync(step.StepId, 2);
        Assert.Equal([StepOutcomes.ActionRequired, StepOutcomes.Completed], outcomes.Select(o => o.Outcome));
        Assert.Equal("decoupled", outcomes[0].Action!.Type);
        Assert.Equal(1, outcomes[1].Result!.Value.GetProperty("attempt").GetInt32());
        await EventuallyAsync(() => recorder.Of<VerificationCompleted>().Any(v => v.StepId == step.StepId && v.Approved));
    }

    [Fact]
    public async Task A_follow_up_due_after_the_connector_stopped_is_run_by_the_next_instance()
    {
        var step = Step("approve-slowly");
        await using (var first = await StartConnectorAsync())
        {
            await recorder.SendAsync(SkillQueues.For(step.Skill), step);
            Assert.Equal(StepOutcomes.ActionRequired, (await OutcomesAsync(step.StepId, 1))[0].Outcome);
        }

        Assert.Single(For(step.StepId));
        await using var second = await StartConnectorAsync();

        var outcomes = await OutcomesAsync(step.StepId, 2);
        Assert.Equal(StepOutcomes.Completed, outcomes[1].Outcome);
    }

    [Fact]
    public async Task An_update_from_outside_the_handler_finishes_the_step_once()
    {
        await using var connector = await StartConnectorAsync();
        var updates = connector.Services.GetRequiredService<IStepUpdates>();
        var step = Step("redirect");
        await recorder.SendAsync(SkillQueues.For(step.Skill), step);
        Assert.Equal("redirect", (await OutcomesAsync(step.StepId, 1))[0].Action!.Type);

        var approved = await updates.UpdateAsync(step.StepId, s => Task.FromResult<StepOutcome?>(StepOutcome.Completed(new { Approved = s.DataString("mode") })), default);
        var again = await updates.UpdateAsync(step.StepId, _ => throw new InvalidOperationException("a finished step is not updated"), default);
        var unknown = await updates.UpdateAsync(Guid.NewGuid(), _ => throw new InvalidOperationException("an unknown step is not updated"), default);

        Assert.Equal((StepUpdateResult.Updated, StepUpdateResult.AlreadyFinished, StepUpdateResult.UnknownStep), (approved, again, unknown));
        var outcomes = await OutcomesAsync(step.StepId, 2);
        Assert.Equal("redirect", outcomes[1].Result!.Value.GetProperty("approved").GetString());
        await Task.Delay(300);
        Assert.Equal(2, For(step.StepId).Count);
    }

    private static readonly SkillManifest Manifest = new()
    {
        SkillId = Skill,
        Provider = "test",
        DisplayName = "Decoupled (test)",
        Description = "A consent approved later.",
        Type = "aisp",
        Flavor = "sandbox",
        Version = "1.0",
        Steps =
        [
            new StepManifest
            {
                Name = "consent",
                Description = "mode: approve, approve-slowly or redirect.",
                DataSchema = StepManifest.Schema("""{"type":"object","properties":{"mode":{"type":"string"}},"examples":[{"mode":"approve"}]}"""),
                Async = true,
            },
        ],
    };

    private async Task<RunningConnector> StartConnectorAsync()
    {
        var connector = ConnectorHost.CreateBuilder(
        [
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:messaging={broker}",
            $"--ConnectionStrings:connectordb={database}",
            "--Connector:FollowUpPollInterval=00:00:00.100",
            "--Logging:LogLevel:Default=Warning",
        ]);
        connector.AddSkill(Manifest).HandleStep<ConsentHandler>("consent");
        var app = connector.Build();
        await app.StartAsync();
        return new RunningConnector(app);
    }

    private static ProcessStep Step(string mode) => new()
    {
        SessionId = Guid.NewGuid(),
        StepId = Guid.NewGuid(),
        ClientId = "fqc_test",
        Skill = Skill,
        Step = "consent",
        StepNumber = 1,
        Data = JsonSerializer.SerializeToElement(new { mode }),
    };

    private sealed class ConsentHandler : IStepHandler, IStepFollowUp
    {
        public Task<StepOutcome> HandleAsync(StepContext step, CancellationToken cancellationToken) => Task.FromResult(step.DataString("mode") switch
        {
            "redirect" => StepOutcome.Redirect("https://bank.example/authorise"),
            "approve-slowly" => StepOutcome.Decoupled("Approve in your bank app").ThenFollowUp(TimeSpan.FromSeconds(1), new { Attempt = 1 }),
            _ => StepOutcome.Decoupled("Approve in your bank app").ThenFollowUp(TimeSpan.FromMilliseconds(200), new { Attempt = 1 }),
        });

        public Task<StepOutcome?> FollowUpAsync(StepContext step, JsonElement? state, CancellationToken cancellationToken)
        {
            step.Publish(new VerificationCompleted { SessionId = step.SessionId, StepId = step.StepId, ClientId = step.ClientId, Approved = true, At = DateTimeOffset.UtcNow });
            return Task.FromResult<StepOutcome?>(StepOutcome.Completed(new { Attempt = state!.Value.GetProperty("attempt").GetInt32() }));
        }
    }

    private sealed class RunningConnector(WebApplication app) : IAsyncDisposable
    {
        public IServiceProvider Services => app.Services;

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private List<StepProcessed> For(Guid stepId) => recorder.Of<StepProcessed>().Where(p => p.StepId == stepId).ToList();

    private async Task<List<StepProcessed>> OutcomesAsync(Guid stepId, int count)
    {
        await EventuallyAsync(() => For(stepId).Count >= count);
        return For(stepId);
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 15 s.");
            await Task.Delay(50);
        }
    }
}
