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
/// PostgreSQL stopped for longer than a message's quick retries last (about 13 s) while a connector holds steps, then
/// started again on the same port with the same data. Requests meanwhile are answered 503 with Retry-After, never 500;
/// every step accepted before or after completes, each handler ran once, each webhook went out once, and no message
/// ended on an <c>_error</c> queue (consumers wait for the database instead).
/// </summary>
/// <remarks>
/// It stops the PostgreSQL server of a second system of its own (<see cref="SystemFixture.StartAnotherAsync"/>), which
/// holds every service's database and the connector's ledger; in the shared collection so that no other class runs its
/// flows while that system boots and works.
/// </remarks>
[Collection(SharedSystem.Name)]
public sealed class DatabaseRestartTests
{
    private const string Skill = "e2e_dbdown_sbx_#1.0";
    private const int PerPhase = 2;

    private static readonly SkillManifest Manifest = TestSkills.AispManifest with
    {
        SkillId = Skill, Provider = "e2e", DisplayName = "Held step (database restart)", Description = "One step the test releases.",
    };

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Steps_in_hand_when_the_database_stops_complete_once_after_it_restarts_and_requests_meanwhile_get_503()
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
        for (var i = 0; i < 2 * PerPhase; i++)
        {
            sessions.Add(await tenant.OpenSessionAsync(system.Gateway, Skill));
        }

        // Before: the connector holds two steps.
        var steps = new List<(Guid Session, Guid Step)>();
        foreach (var session in sessions.Take(PerPhase))
        {
            steps.Add(await SubmitAsync(system.Gateway, tenant, session));
        }

        foreach (var (_, step) in steps)
        {
            await HeldStepHandler.Entered(step).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        }

        // The database stops. The held handlers finish; their outcomes reach SessionService, which cannot store them yet,
        // and the connector cannot store them either: both keep them and try again.
        var postgres = (PostgresResource)system.Host["postgres"];
        await postgres.StopAsync();
        Assert.Equal(ResourceState.Stopped, postgres.State);
        foreach (var (_, step) in steps)
        {
            HeldStepHandler.Release(step);
        }

        // Meanwhile every request is a 503 problem that says when to try again: a submit, a read, an open.
        var waiting = sessions[PerPhase];
        var waitingId = waiting.GetProperty("session_id").GetGuid();
        using (var submit = await PostStepAsync(system.Gateway, tenant, waiting))
        {
            await AssertUnavailableAsync(submit);
        }

        using (var read = await server.GetAsync($"/sessions/{waitingId}", Cancel))
        {
            await AssertUnavailableAsync(read);
        }

        using (var open = await system.Gateway.PostAsJsonAsync("/sessions", new { client_id = tenant.ClientId, client_app_key = tenant.AppKey, skill = Skill }, Cancel))
        {
            await AssertUnavailableAsync(open);
        }

        // Longer than a message's quick retries: consumers that gave up after them would have dead-lettered the outcomes.
        await Task.Delay(TimeSpan.FromSeconds(20), Cancel);
        await postgres.StartAgainAsync(Cancel);

        // After: the client app sends the refused step again, and one more.
        foreach (var session in sessions.Skip(PerPhase))
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

        Assert.All(steps, s => Assert.Equal(1, HeldStepHandler.Runs(s.Step)));
        await EventuallyAsync(async () => received.Count >= 2 * steps.Count ? true : (bool?)null);
        foreach (var (sessionId, _) in steps)
        {
            var deliveries = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/webhooks", Cancel);
            Assert.Equal(["SESSION_COMPLETED", "STEP_COMPLETED"], deliveries.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("type").GetString()).Order());
        }

        await Task.Delay(TimeSpan.FromSeconds(2), Cancel);
        Assert.Equal(2 * steps.Count, received.Count);
        Assert.Empty(await DeadLettersAsync(system));
    }

    private async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("SERVICE_UNAVAILABLE", JsonSerializer.Deserialize<JsonElement>(body).GetProperty("code").GetString());
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
    }

    /// <summary>The queues of the system's broker whose name ends in <c>_error</c> and that hold messages.</summary>
    private async Task<List<string>> DeadLettersAsync(SystemFixture system)
    {
        var broker = (RabbitMqResource)system.Host["messaging"];
        using var management = new HttpClient { BaseAddress = new Uri(broker.ManagementUrl!) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        var queues = await management.GetFromJsonAsync<JsonElement>("/api/queues", Cancel);
        return queues.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString()!.EndsWith("_error", StringComparison.Ordinal) && q.TryGetProperty("messages", out var n) && n.GetInt64() > 0)
            .Select(q => q.GetProperty("name").GetString()!)
            .ToList();
    }

    private Task<HttpResponseMessage> PostStepAsync(HttpClient gateway, GatewayTenant tenant, JsonElement session) =>
        gateway.PostAsJsonAsync($"/sessions/{session.GetProperty("session_id").GetGuid()}/steps", new
        {
            client_id = tenant.ClientId, nonce = session.GetProperty("nonce").GetString(), skill = Skill, step = "consent", data = new { user = "user_good" },
        }, Cancel);

    /// <summary>Submits the session's first step, as a client app would: again after a 503 (the database or the skill away).</summary>
    private async Task<(Guid Session, Guid Step)> SubmitAsync(HttpClient gateway, GatewayTenant tenant, JsonElement session)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await PostStepAsync(gateway, tenant, session);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                return (session.GetProperty("session_id").GetGuid(), body.GetProperty("step_id").GetGuid());
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
