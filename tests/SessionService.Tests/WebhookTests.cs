using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tests;

/// <summary>Webhooks as a tenant's server receives them: signed with its webhook secret, with both during a rotation.</summary>
public sealed class WebhookTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;

    public async ValueTask InitializeAsync() => host = await SessionHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task During_a_rotation_webhooks_carry_a_signature_per_secret_and_after_the_grace_period_one()
    {
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        await using var receiver = await WebhookReceiver.StartAsync(received);
        var tenant = await host.NewTenantAsync(receiver.Url);
        const string rotated = "fqwh_the_new_secret";
        await host.PublishTenantAsync(tenant, 2, receiver.Url, [], (rotated, null), (tenant.WebhookSecret, host.Clock.GetUtcNow().AddHours(1)));

        var during = await NextWebhookAsync(tenant, received);
        host.Clock.Advance(TimeSpan.FromHours(2));
        var now = host.Clock.GetUtcNow();
        await host.WaitForAsync(async db => await db.SkillInstances.AnyAsync(i => i.SkillId == TestSkills.Aisp && i.LastSeenAt >= now)); // heartbeats on the new time
        var after = await NextWebhookAsync(tenant, received);

        Assert.Equal(2, Signatures(during).Count);
        Assert.True(Verifies(rotated, during) && Verifies(tenant.WebhookSecret, during), during.Signature);
        Assert.Single(Signatures(after));
        Assert.True(Verifies(rotated, after) && !Verifies(tenant.WebhookSecret, after), after.Signature);
    }

    [Fact]
    public async Task A_receiver_that_fails_then_hangs_then_recovers_gets_every_event_and_no_transaction_is_open_meanwhile()
    {
        var calls = 0;
        var locksWhileHanging = new ConcurrentQueue<long>();
        await using var receiver = await TestWebServer.StartAsync(app => app.MapPost("/hook", async (HttpContext http) =>
        {
            switch (Interlocked.Increment(ref calls))
            {
                case 1:
                    return Results.StatusCode(500);
                case 2:
                    // While this receiver keeps the dispatcher waiting, no lock on the deliveries is held (no open transaction).
                    locksWhileHanging.Enqueue(await host.QueryAsync(db => db.Database.SqlQueryRaw<long>(
                        "SELECT count(*) AS \"Value\" FROM pg_locks l JOIN pg_class c ON c.oid = l.relation " +
                        "WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND c.relname = 'webhook_deliveries' AND l.mode = 'RowShareLock'").SingleAsync()));
                    await Task.Delay(Timeout.Infinite, http.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return Results.NoContent();
                default:
                    return Results.NoContent();
            }
        }));
        var tenant = await host.NewTenantAsync(receiver.Url + "/hook");

        var (sessionId, _) = await host.SubmitConsentAsync(tenant, TestSkills.Aisp);

        // The step's and the session's events: one answered 500, one left hanging; both retried and delivered. The
        // service's clock is the test's: it moves on a second at each look, so the hanging call reaches its time limit
        // (Webhooks:Timeout, on that clock) and the retries come due; no real time is waited for.
        await host.WaitForAsync(
            async db =>
            {
                host.Clock.Advance(TimeSpan.FromSeconds(1));
                return await db.WebhookDeliveries.CountAsync(w => w.SessionId == sessionId && w.Status == "DELIVERED") == 2;
            },
            seconds: 90);
        var deliveries = await host.QueryAsync(db => db.WebhookDeliveries.Where(w => w.SessionId == sessionId).ToListAsync());
        Assert.Equal(4, Volatile.Read(ref calls));
        Assert.Equal(4, deliveries.Sum(d => d.Attempts));
        Assert.Equal([0L], locksWhileHanging);
    }

    /// <summary>Opens a session, completes its one step and returns the first webhook it caused.</summary>
    private async Task<(string Signature, string Body)> NextWebhookAsync(TestTenant tenant, ConcurrentQueue<(string Signature, string Body)> received)
    {
        received.Clear();
        var (sessionId, _) = await host.SubmitConsentAsync(tenant, TestSkills.Aisp);
        await host.WaitForAsync(async db => await db.WebhookDeliveries.AnyAsync(w => w.SessionId == sessionId && w.Status == "DELIVERED"));
        return received.First(r => r.Body.Contains(sessionId.ToString(), StringComparison.Ordinal));
    }

    private static List<string> Signatures((string Signature, string Body) webhook) =>
        [.. webhook.Signature.Split(',').Select(p => p.Split('=', 2)).Where(p => p[0] == "v1").Select(p => p[1])];

    /// <summary>What a tenant's verifier does: key = SHA-256(webhook secret), v1 = HMAC-SHA256(key, t + "." + body).</summary>
    private static bool Verifies(string secret, (string Signature, string Body) webhook)
    {
        var t = webhook.Signature.Split(',').Select(p => p.Split('=', 2)).Single(p => p[0] == "t")[1];
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), Encoding.UTF8.GetBytes($"{t}.{webhook.Body}")));
        return Signatures(webhook).Contains(expected);
    }
}
