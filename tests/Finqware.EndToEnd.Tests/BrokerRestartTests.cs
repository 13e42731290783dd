using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Finqware.Contracts.Skills;
using Finqware.SessionService.Tests;
using Finqware.Testing;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// "A restarted broker loses no accepted step": RabbitMQ stopped while a connector holds steps and while a client app
/// keeps submitting, then started again on the same ports with the same data, as an operator's restart would. Every
/// step accepted before, during and after the outage completes, each handler ran once, each webhook went out once.
/// </summary>
/// <remarks>
/// It stops the broker of a second system of its own (<see cref="SystemFixture.StartAnotherAsync"/>), not the
/// assembly's; in the shared collection so that no other class runs its flows while that system boots and works.
/// </remarks>
[Collection(SharedSystem.Name)]
public sealed class BrokerRestartTests
{
    private const string Skill = "e2e_broker_sbx_#1.0";
    private const int PerPhase = 3;

    private static readonly SkillManifest Manifest = TestSkills.AispManifest with
    {
        SkillId = Skill, Provider = "e2e", DisplayName = "Held step (broker restart)", Description = "One step the test releases.",
    };

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Steps_accepted_before_during_and_after_a_broker_restart_each_complete_once()
    {
        await using var system = await SystemFixture.StartAnotherAsync(["gateway"]);
        await using var connector = await TestConnector.StartAsync(system, host => host.AddSkill(Manifest).HandleStep<HeldStepHandler>("consent"));
        await TestConnector.WaitUntilAvailableAsync(system.Gateway, Skill);
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        await using var receiver = await WebhookReceiver.StartAsync(received);
        var tenant = await GatewayTenant.CreateAsync(system.Gateway, [Skill], receiver.Url);
        using var server = new HttpClient { BaseAddress = system.Gateway.BaseAddress };
        server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiToken);
        var sessions = new List<JsonElement>();
        for (var i = 0; i < 3 * PerPhase; i++)
        {
            sessions.Add(await tenant.OpenSessionAsync(system.Gateway, Skill));
        }

        // Before: the connector holds three steps (each claimed in its ledger, its command not yet acknowledged).
        var steps = new List<(Guid Session, Guid Step)>();
        foreach (var session in sessions.Take(PerPhase))
        {
            steps.Add(await SubmitAsync(system.Gateway, tenant, session));
        }

        foreach (var (_, step) in steps)
        {
            await HeldStepHandler.Entered(step).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        }

        // The broker stops while the connector holds them. Their handlers go on (MassTransit cancels the messages'
        // tokens when the connection drops, not the handlers') and finish once released; what they publish waits for the
        // broker, and the broker will redeliver their unacknowledged commands. The client app submits three more:
        // SessionService accepts them (its outbox keeps the commands until the broker is back).
        var broker = (RabbitMqResource)system.Host["messaging"];
        await broker.StopAsync();
        Assert.Equal(ResourceState.Stopped, broker.State);
        foreach (var (_, step) in steps)
        {
            HeldStepHandler.Release(step);
        }

        foreach (var session in sessions.Skip(PerPhase).Take(PerPhase))
        {
            var accepted = await SubmitAsync(system.Gateway, tenant, session);
            HeldStepHandler.Release(accepted.Step);
            steps.Add(accepted);
        }

        // The broker starts again, on the same ports with the same data; three more steps after it.
        await broker.StartAgainAsync(Cancel);
        foreach (var session in sessions.Skip(2 * PerPhase))
        {
            var accepted = await SubmitAsync(system.Gateway, tenant, session);
            HeldStepHandler.Release(accepted.Step);
            steps.Add(accepted);
        }

        foreach (var (sessionId, stepId) in steps)
        {
            var step = await EventuallyAsync(async () =>
            {
                using var response = await server.GetAsync($"/sessions/{sessionId}/steps/{stepId}?wait=10", Cancel);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
                return response.IsSuccessStatusCode && body.GetProperty("status").GetString() == "COMPLETED" ? body : (JsonElement?)null;
            });
            Assert.Equal("consent", step.GetProperty("result").GetProperty("step").GetString());
            var session = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}", Cancel);
            Assert.Equal("COMPLETED", session.GetProperty("status").GetString());
        }

        // Once: each handler ran once (a redelivered command publishes the stored outcome instead of running it), and
        // each session's two events went out once, whatever the outage redelivered.
        Assert.All(steps, s => Assert.Equal(1, HeldStepHandler.Runs(s.Step)));
        await EventuallyAsync(async () => received.Count >= 2 * steps.Count ? true : (bool?)null);
        foreach (var (sessionId, _) in steps)
        {
            var deliveries = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/webhooks", Cancel);
            Assert.Equal(["SESSION_COMPLETED", "STEP_COMPLETED"], deliveries.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("type").GetString()).Order());
        }

        await Task.Delay(TimeSpan.FromSeconds(2), Cancel);
        Assert.Equal(2 * steps.Count, received.Count);
        Assert.Equal(1, broker.RestartCount);
    }

    /// <summary>Submits the session's first step, as a client app would: again after a 503 (the skill not seen lately).</summary>
    private async Task<(Guid Session, Guid Step)> SubmitAsync(HttpClient gateway, GatewayTenant tenant, JsonElement session)
    {
        var sessionId = session.GetProperty("session_id").GetGuid();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await gateway.PostAsJsonAsync($"/sessions/{sessionId}/steps", new
            {
                client_id = tenant.ClientId, nonce = session.GetProperty("nonce").GetString(), skill = Skill, step = "consent", data = new { user = "user_good" },
            }, Cancel);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                return (sessionId, body.GetProperty("step_id").GetGuid());
            }

            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline, $"POST …/steps answered {(int)response.StatusCode}: {body}");
            await Task.Delay(500, Cancel);
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("The condition did not hold within 90 s.");
    }
}
