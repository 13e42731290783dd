using Finqware.Contracts.Skills;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// What the outage tests (a broker restart, a database restart) do around their outage: a system of their own, a
/// connector whose handler holds each step until the test releases it (<see cref="HeldStepHandler"/>), a tenant whose
/// webhooks are received, sessions whose first step the client app submits, and the check that every step completed
/// once.
/// </summary>
internal sealed class HeldStepFlow : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Signature, string Body)> received;
    private readonly CancellationToken cancel;

    private HeldStepFlow(SystemFixture system, TestConnector connector, WebhookReceiver receiver, ConcurrentQueue<(string, string)> received, GatewayTenant tenant, string skill, CancellationToken cancel)
    {
        System = system;
        Connector = connector;
        Receiver = receiver;
        this.received = received;
        Tenant = tenant;
        Skill = skill;
        this.cancel = cancel;
        Server = ContractChecked.Client(system.Gateway.BaseAddress!);
        Server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiToken);
        Sessions = tenant.Sessions(system.Gateway);
    }

    public SystemFixture System { get; }

    public TestConnector Connector { get; }

    public WebhookReceiver Receiver { get; }

    public GatewayTenant Tenant { get; }

    public string Skill { get; }

    /// <summary>The tenant's server, with its API token.</summary>
    public HttpClient Server { get; }

    /// <summary>The tenant's client app and server driving sessions.</summary>
    public SessionClient Sessions { get; }

    /// <summary>A one-step skill (the sandbox AISP consent's manifest) whose step the test holds and releases.</summary>
    public static SkillManifest Manifest(string skillId, string displayName) => TestSkills.AispManifest with
    {
        SkillId = skillId, Provider = "e2e", DisplayName = displayName, Description = "One step the test releases.",
    };

    /// <summary>Boots a second system (<see cref="SystemFixture.StartAnotherAsync"/>: its own PostgreSQL and RabbitMQ) with the held skill.</summary>
    public static async Task<HeldStepFlow> StartAsync(SkillManifest manifest, CancellationToken cancel)
    {
        var system = await SystemFixture.StartAnotherAsync(["gateway"]);
        TestConnector? connector = null;
        WebhookReceiver? receiver = null;
        try
        {
            connector = await TestConnector.StartAsync(system, host => host.AddSkill(manifest).HandleStep<HeldStepHandler>("consent"));
            await TestConnector.WaitUntilAvailableAsync(system.Gateway, manifest.SkillId);
            var received = new ConcurrentQueue<(string Signature, string Body)>();
            receiver = await WebhookReceiver.StartAsync(received);
            var tenant = await GatewayTenant.CreateAsync(system.Gateway, [manifest.SkillId], receiver.Url);
            return new HeldStepFlow(system, connector, receiver, received, tenant, manifest.SkillId, cancel);
        }
        catch
        {
            await DisposeAsync(system, connector, receiver);
            throw;
        }
    }

    public async Task<List<DrivenSession>> OpenSessionsAsync(int count)
    {
        var sessions = new List<DrivenSession>();
        for (var i = 0; i < count; i++)
        {
            sessions.Add(await Sessions.OpenAsync(Skill, cancel));
        }

        return sessions;
    }

    public Task<HttpResponseMessage> PostStepAsync(DrivenSession session) => session.PostStepAsync("consent", new { user = "user_good" }, cancel);

    /// <summary>Submits the session's first step as a client app would: again after a 503 (the skill or a database away).</summary>
    public async Task<(Guid Session, Guid Step)> SubmitAsync(DrivenSession session)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await PostStepAsync(session);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                return (session.Id, (await session.AcceptedAsync(response, cancel)).StepId);
            }

            var body = await response.Content.ReadAsStringAsync(cancel);
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline, $"POST …/steps answered {(int)response.StatusCode}: {body}");
            await Task.Delay(500, cancel);
        }
    }

    /// <summary>
    /// Every step completed with the handler's result and its session too; each handler ran once (a redelivered command
    /// publishes the stored outcome instead of running it); each session's two events went out once, whatever was
    /// redelivered.
    /// </summary>
    public async Task AssertEachCompletedOnceAsync(IReadOnlyList<(Guid Session, Guid Step)> steps)
    {
        foreach (var (sessionId, stepId) in steps)
        {
            var step = await EventuallyAsync(async () =>
            {
                using var response = await Server.GetAsync($"/sessions/{sessionId}/steps/{stepId}?wait=10", cancel);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancel);
                return response.IsSuccessStatusCode && body.GetProperty("status").GetString() == "COMPLETED" ? body : (JsonElement?)null;
            });
            Assert.Equal("consent", step.GetProperty("result").GetProperty("step").GetString());
            var session = await Server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}", cancel);
            Assert.Equal("COMPLETED", session.GetProperty("status").GetString());
        }

        Assert.All(steps, s => Assert.Equal(1, HeldStepHandler.Runs(s.Step)));
        await EventuallyAsync(async () => received.Count >= 2 * steps.Count ? true : (bool?)null);
        foreach (var (sessionId, _) in steps)
        {
            var deliveries = await Server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/webhooks", cancel);
            Assert.Equal(["SESSION_COMPLETED", "STEP_COMPLETED"], deliveries.GetProperty("deliveries").EnumerateArray().Select(d => d.GetProperty("type").GetString()).Order());
        }

        await Task.Delay(TimeSpan.FromSeconds(2), cancel);
        Assert.Equal(2 * steps.Count, received.Count);
    }

    public async ValueTask DisposeAsync()
    {
        Server.Dispose();
        await DisposeAsync(System, Connector, Receiver);
    }

    private static async Task DisposeAsync(SystemFixture system, TestConnector? connector, WebhookReceiver? receiver)
    {
        if (receiver is not null)
        {
            await receiver.DisposeAsync();
        }

        if (connector is not null)
        {
            await connector.DisposeAsync();
        }

        await system.DisposeAsync();
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
