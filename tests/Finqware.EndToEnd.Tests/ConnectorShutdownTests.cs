using Finqware.Contracts.Skills;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// docs/connectors.md: "on SIGTERM in-flight steps finish before the process exits". A connector asked to stop while
/// its handler is in the middle of a step waits for it: the step completes, once, and only then does the connector exit.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class ConnectorShutdownTests(SystemFixture system)
{
    private const string Skill = "e2e_stop_sbx_#1.0";

    private static readonly SkillManifest Manifest = HeldStepFlow.Manifest(Skill, "Held step (connector shutdown)");

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connector_stopped_while_its_handler_runs_a_step_finishes_the_step_once_before_it_exits()
    {
        var connector = await TestConnector.StartAsync(system, host => host.AddSkill(Manifest).HandleStep<HeldStepHandler>("consent"));
        Task? stopped = null;
        try
        {
            await TestConnector.WaitUntilAvailableAsync(system.Gateway, Skill);
            var tenant = await GatewayTenant.CreateAsync(system.Gateway, [Skill]);
            var session = await tenant.Sessions(system.Gateway).OpenAsync(Skill, Cancel);
            var sessionId = session.Id;
            var stepId = (await session.SubmitAsync("consent", new { user = "user_good" }, Cancel)).StepId;
            await HeldStepHandler.Entered(stepId).WaitAsync(TimeSpan.FromSeconds(30), Cancel);

            // Stopping (what SIGTERM starts in a connector process): it waits for the step in hand.
            stopped = connector.DisposeAsync().AsTask();
            await Task.Delay(TimeSpan.FromSeconds(2), Cancel);
            Assert.False(stopped.IsCompleted, "The connector stopped while its handler was still running a step.");
            HeldStepHandler.Release(stepId);
            await stopped.WaitAsync(TimeSpan.FromSeconds(30), Cancel);

            using var server = ContractChecked.Client(system.Gateway.BaseAddress!);
            server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiToken);
            var step = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/steps/{stepId}?wait=10", Cancel);
            Assert.Equal("COMPLETED", step.GetProperty("status").GetString());
            Assert.Equal(1, HeldStepHandler.Runs(stepId));
        }
        finally
        {
            if (stopped is null)
            {
                await connector.DisposeAsync();
            }
        }
    }
}
