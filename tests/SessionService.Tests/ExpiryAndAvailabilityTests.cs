using Finqware.Contracts.Skills;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tests;

/// <summary>
/// Sessions nobody reads any more expire by the background sweep (on the fake clock), with a SESSION_FAILED webhook;
/// a skill without a running connector is a 503 with Retry-After.
/// </summary>
public sealed class ExpiryAndAvailabilityTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;

    public async ValueTask InitializeAsync() => host = await SessionHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    /// <summary>Right after the clock jumps, the skill is available again with the connector's next heartbeat (503 until then).</summary>
    private async Task<(Guid SessionId, string Nonce)> OpenAsync(TestTenant tenant, string skill = TestSkills.Deposit)
    {
        var session = await host.Sessions(tenant).OpenAsync(skill);
        return (session.Id, session.Nonce);
    }

    private Task<string> StatusAsync(Guid sessionId) => host.QueryAsync(db => db.Sessions.Where(s => s.Id == sessionId).Select(s => s.Status).SingleAsync());

    [Fact]
    public async Task Sessions_past_their_expiry_become_expired_without_any_read_and_the_tenant_gets_session_failed()
    {
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        await using var receiver = await WebhookReceiver.StartAsync(received);
        var tenant = await host.NewTenantAsync(receiver.Url);
        var (waiting, nonce) = await OpenAsync(tenant);
        var (status, step) = await host.SendAsync(HttpMethod.Post, $"/sessions/{waiting}/steps", new
        {
            client_id = tenant.ClientId, nonce, skill = TestSkills.Deposit, step = "product_form", data = new { value = "100000", currency = "EUR", period = "12" },
        });
        Assert.True(status == 202 && step.GetProperty("status").GetString() == "AWAITING_UPLOADS", step.ToString());
        var (untouched, _) = await OpenAsync(tenant);
        host.Clock.Advance(TimeSpan.FromMinutes(20));
        var (young, _) = await OpenAsync(tenant);

        // Nothing reads these sessions: only the sweep, which runs on the (fake) clock, can expire them.
        host.Clock.Advance(TimeSpan.FromMinutes(10));
        for (var i = 0; i < 100 && (await StatusAsync(waiting) != "EXPIRED" || await StatusAsync(untouched) != "EXPIRED"); i++)
        {
            host.Clock.Advance(TimeSpan.FromSeconds(15));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal("EXPIRED", await StatusAsync(waiting));
        Assert.Equal("EXPIRED", await StatusAsync(untouched));
        Assert.Equal("SESSION_CREATED", await StatusAsync(young));
        var failedStep = await host.QueryAsync(db => db.Steps.SingleAsync(s => s.SessionId == waiting));
        Assert.Equal(("FAILED", "SESSION_EXPIRED"), (failedStep.Status, failedStep.ErrorCode));

        // Each expired session is reported once as SESSION_FAILED with session_status EXPIRED.
        await host.WaitForAsync(async db => await db.WebhookDeliveries.CountAsync(w => w.ClientId == tenant.ClientId && w.Status == "DELIVERED") == 2);
        var events = received.Select(r => JsonSerializer.Deserialize<JsonElement>(r.Body)).ToList();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(("SESSION_FAILED", "EXPIRED"), (e.GetProperty("type").GetString(), e.GetProperty("session_status").GetString())));
        Assert.Equal(new[] { untouched, waiting }.Order(), events.Select(e => e.GetProperty("session_id").GetGuid()).Order());

        // Read through the API, the session says so; the next sweeps change nothing more.
        var (_, view) = await host.SendAsync(HttpMethod.Get, $"/sessions/{waiting}", auth: SessionHost.Bearer(host.ApiToken(tenant.ClientId)));
        Assert.Equal("EXPIRED", view.GetProperty("status").GetString());
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Equal(2, await host.QueryAsync(db => db.WebhookDeliveries.CountAsync(w => w.ClientId == tenant.ClientId)));
    }

    [Fact]
    public async Task A_skill_without_a_running_connector_is_503_skill_unavailable_with_retry_after()
    {
        var lonely = TestSkills.AispManifest with { SkillId = "lonely_sbx_#1.0" };
        await host.PublishUntilAsync(
            () => host.PublishAsync(new SkillRegistered { Manifest = lonely, Connector = host.BrokerUser, RegisteredAt = DateTimeOffset.UtcNow }),
            async db => await db.Skills.AnyAsync(s => s.SkillId == lonely.SkillId));
        var tenant = await host.NewTenantAsync(null, lonely.SkillId);

        using var content = new StringContent(JsonSerializer.Serialize(new { client_id = tenant.ClientId, client_app_key = tenant.AppKey, skill = lonely.SkillId }), Encoding.UTF8, "application/json");
        using var response = await host.Client.PostAsync(new Uri("/sessions", UriKind.Relative), content, TestContext.Current.CancellationToken);

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        var problem = JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("SKILL_UNAVAILABLE", problem.GetProperty("code").GetString());
        Assert.False(problem.TryGetProperty("__retry_after", out _));
    }
}
