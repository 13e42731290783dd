using Finqware.AppHost.Hosting;
using Finqware.Contracts.Skills;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// "A restarted broker loses no accepted step": RabbitMQ stopped while a connector holds steps and while a client app
/// keeps submitting, then started again on the same ports with the same data, as an operator's restart would. Every
/// step accepted before, during and after the outage completes, each handler ran once, each webhook went out once, and
/// the tenant's usage counts each of them once.
/// </summary>
/// <remarks>
/// It stops the broker of a second system of its own (<see cref="HeldStepFlow"/>), not the assembly's; in the shared
/// collection so that no other class runs its flows while that system boots and works.
/// </remarks>
[Collection(SharedSystem.Name)]
public sealed class BrokerRestartTests
{
    private const int PerPhase = 3;

    private static readonly SkillManifest Manifest = HeldStepFlow.Manifest("e2e_broker_sbx_#1.0", "Held step (broker restart)");

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Steps_accepted_before_during_and_after_a_broker_restart_each_complete_once()
    {
        await using var flow = await HeldStepFlow.StartAsync(Manifest, Cancel);
        var sessions = await flow.OpenSessionsAsync(3 * PerPhase);

        // Before: the connector holds three steps (each claimed in its ledger, its command not yet acknowledged).
        var steps = new List<(Guid Session, Guid Step)>();
        foreach (var session in sessions.Take(PerPhase))
        {
            steps.Add(await flow.SubmitAsync(session));
        }

        foreach (var (_, step) in steps)
        {
            await HeldStepHandler.Entered(step).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        }

        // The broker stops while the connector holds them. Their handlers go on (MassTransit cancels the messages'
        // tokens when the connection drops, not the handlers') and finish once released; what they publish waits for the
        // broker, and the broker will redeliver their unacknowledged commands. The client app submits three more:
        // SessionService accepts them (its outbox keeps the commands until the broker is back).
        var broker = (RabbitMqResource)flow.System.Host["messaging"];
        await broker.StopAsync();
        Assert.Equal(ResourceState.Stopped, broker.State);
        foreach (var (_, step) in steps)
        {
            HeldStepHandler.Release(step);
        }

        foreach (var session in sessions.Skip(PerPhase).Take(PerPhase))
        {
            var accepted = await flow.SubmitAsync(session);
            HeldStepHandler.Release(accepted.Step);
            steps.Add(accepted);
        }

        // The broker starts again, on the same ports with the same data; three more steps after it.
        await broker.StartAgainAsync(Cancel);
        foreach (var session in sessions.Skip(2 * PerPhase))
        {
            var accepted = await flow.SubmitAsync(session);
            HeldStepHandler.Release(accepted.Step);
            steps.Add(accepted);
        }

        await flow.AssertEachCompletedOnceAsync(steps);
        Assert.Equal(1, broker.RestartCount);

        // Usage (docs/usage.md) across the restart: each unit once, none lost; the tenant is this system's only one.
        var expected = UsageCounts.Expect(("sessions_opened", 3 * PerPhase), ("sessions_completed", 3 * PerPhase), ("steps", 3 * PerPhase),
            ("steps_completed", 3 * PerPhase), ("webhooks_delivered", 2 * 3 * PerPhase));
        Assert.Equal(expected, await UsageCounts.WaitForAsync(flow.Server, "/usage", expected, Cancel));
    }
}
