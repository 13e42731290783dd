using Finqware.AppHost.Hosting;
using Finqware.Contracts.Skills;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// PostgreSQL stopped for longer than a message's quick retries last (about 13 s) while a connector holds steps, then
/// started again on the same port with the same data. Requests meanwhile are answered 503 with Retry-After, never 500;
/// every step accepted before or after completes, each handler ran once, each webhook went out once, and no message
/// ended on an <c>_error</c> queue (consumers wait for the database instead).
/// </summary>
/// <remarks>
/// It stops the PostgreSQL server of a second system of its own (<see cref="HeldStepFlow"/>), which holds every
/// service's database and the connector's ledger; in the shared collection so that no other class runs its flows while
/// that system boots and works.
/// </remarks>
[Collection(SharedSystem.Name)]
public sealed class DatabaseRestartTests
{
    private const int PerPhase = 2;

    private static readonly SkillManifest Manifest = HeldStepFlow.Manifest("e2e_dbdown_sbx_#1.0", "Held step (database restart)");

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Steps_in_hand_when_the_database_stops_complete_once_after_it_restarts_and_requests_meanwhile_get_503()
    {
        await using var flow = await HeldStepFlow.StartAsync(Manifest, Cancel);
        var sessions = await flow.OpenSessionsAsync(2 * PerPhase);

        // Before: the connector holds two steps.
        var steps = new List<(Guid Session, Guid Step)>();
        foreach (var session in sessions.Take(PerPhase))
        {
            steps.Add(await flow.SubmitAsync(session));
        }

        foreach (var (_, step) in steps)
        {
            await HeldStepHandler.Entered(step).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        }

        // The database stops. The held handlers finish; their outcomes reach SessionService, which cannot store them yet,
        // and the connector cannot store them either: both keep them and try again.
        var postgres = (PostgresResource)flow.System.Host["postgres"];
        await postgres.StopAsync();
        Assert.Equal(ResourceState.Stopped, postgres.State);
        foreach (var (_, step) in steps)
        {
            HeldStepHandler.Release(step);
        }

        // Meanwhile every request is a 503 problem that says when to try again: a submit, a read, an open.
        var waiting = sessions[PerPhase];
        using (var submit = await flow.PostStepAsync(waiting))
        {
            await AssertUnavailableAsync(submit);
        }

        using (var read = await flow.Server.GetAsync($"/sessions/{waiting.Id}", Cancel))
        {
            await AssertUnavailableAsync(read);
        }

        using (var open = await flow.Sessions.OpenResponseAsync(flow.Skill, Cancel))
        {
            await AssertUnavailableAsync(open);
        }

        // Longer than a message's quick retries: consumers that gave up after them would have dead-lettered the outcomes.
        await Task.Delay(TimeSpan.FromSeconds(20), Cancel);
        await postgres.StartAgainAsync(Cancel);

        // After: the client app sends the refused step again, and one more.
        foreach (var session in sessions.Skip(PerPhase))
        {
            var accepted = await flow.SubmitAsync(session);
            HeldStepHandler.Release(accepted.Step);
            steps.Add(accepted);
        }

        await flow.AssertEachCompletedOnceAsync(steps);
        Assert.Empty(await DeadLettersAsync(flow));
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
    private async Task<List<string>> DeadLettersAsync(HeldStepFlow flow)
    {
        var broker = (RabbitMqResource)flow.System.Host["messaging"];
        using var management = new HttpClient { BaseAddress = new Uri(broker.ManagementUrl!) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        var queues = await management.GetFromJsonAsync<JsonElement>("/api/queues", Cancel);
        return queues.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString()!.EndsWith("_error", StringComparison.Ordinal) && q.TryGetProperty("messages", out var n) && n.GetInt64() > 0)
            .Select(q => q.GetProperty("name").GetString()!)
            .ToList();
    }
}
