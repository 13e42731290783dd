using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Finqware.SessionService.Webhooks;
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
        await HeartbeatsCaughtUpAsync();
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

    [Fact]
    public async Task A_tenant_reads_every_attempt_and_asks_again_for_a_delivery_that_failed_and_another_tenant_cannot()
    {
        // A receiver that fails every call until it recovers: the deliveries run out of attempts (FAILED), and the
        // tenant, its receiver fixed, asks for one again.
        var recovered = false;
        var received = new ConcurrentQueue<string>();
        await using var receiver = await TestWebServer.StartAsync(app => app.MapPost("/hook", (HttpContext http) =>
        {
            received.Enqueue(http.Request.Headers[WebhookDispatcher.EventIdHeader].ToString());
            return Volatile.Read(ref recovered) ? Results.NoContent() : Results.StatusCode(503);
        }));
        var tenant = await host.NewTenantAsync(receiver.Url + "/hook");
        var other = await host.NewTenantAsync();
        var server = SessionHost.Bearer(host.ApiToken(tenant.ClientId));
        var (sessionId, _) = await host.SubmitConsentAsync(tenant, TestSkills.Aisp);
        await host.WaitForAsync(
            async db =>
            {
                host.Clock.Advance(TimeSpan.FromMinutes(1));
                return await db.WebhookDeliveries.CountAsync(w => w.SessionId == sessionId && w.Status == "FAILED") == 2;
            },
            seconds: 90);
        var deliveryId = await host.QueryAsync(db => db.WebhookDeliveries.Where(w => w.SessionId == sessionId && w.EventType == "SESSION_COMPLETED").Select(w => w.Id).SingleAsync());
        var path = $"/sessions/webhook-deliveries/{deliveryId}";

        var (status, failed) = await host.SendAsync(HttpMethod.Get, path, auth: server);
        Assert.Equal((200, "FAILED", 10), (status, failed.GetProperty("status").GetString(), failed.GetProperty("attempts").GetInt32()));
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (n, (int?)503, true)), Attempts(failed));

        // Another tenant's delivery is as unknown as one that does not exist, to read and to ask again.
        foreach (var (method, route) in new[] { (HttpMethod.Get, path), (HttpMethod.Post, path + "/redeliver"), (HttpMethod.Post, $"/sessions/webhook-deliveries/{Guid.NewGuid()}/redeliver") })
        {
            var caller = route.Contains(deliveryId.ToString(), StringComparison.Ordinal) ? SessionHost.Bearer(host.ApiToken(other.ClientId)) : server;
            var (refused, problem) = await host.SendAsync(method, route, auth: caller);
            Assert.Equal((404, "WEBHOOK_DELIVERY_NOT_FOUND"), (refused, problem.GetProperty("code").GetString()));
        }

        // Asked again twice with one Idempotency-Key: queued once, delivered once more with the same event id.
        Volatile.Write(ref recovered, true);
        var key = Guid.NewGuid().ToString();
        var (first, firstReplayed, queued) = await RedeliverAsync(path, server, key);
        var (second, secondReplayed, again) = await RedeliverAsync(path, server, key);
        Assert.Equal((202, "false", 202, "true"), (first, firstReplayed, second, secondReplayed));
        Assert.Equal(("PENDING", queued.ToString()), (queued.GetProperty("status").GetString(), again.ToString()));
        await host.WaitForAsync(async db =>
        {
            host.Clock.Advance(TimeSpan.FromSeconds(1));
            return await db.WebhookDeliveries.AnyAsync(w => w.Id == deliveryId && w.Status == "DELIVERED");
        });
        var (_, delivered) = await host.SendAsync(HttpMethod.Get, path, auth: server);
        Assert.Equal(("DELIVERED", 11), (delivered.GetProperty("status").GetString(), delivered.GetProperty("attempts").GetInt32()));
        Assert.Equal([.. Enumerable.Range(1, 10).Select(n => (n, (int?)503, true)), (11, 204, false)], Attempts(delivered));
        Assert.Equal(11, received.Count(id => id == deliveryId.ToString()));

        // Once the tenant has no webhook URL, there is nowhere to send it.
        await host.PublishTenantAsync(tenant, 2, null, [], (tenant.WebhookSecret, null));
        var (noUrl, problemNoUrl) = await host.SendAsync(HttpMethod.Post, path + "/redeliver", auth: server);
        Assert.Equal((409, "WEBHOOK_URL_NOT_SET"), (noUrl, problemNoUrl.GetProperty("code").GetString()));
        await HeartbeatsCaughtUpAsync();
    }

    /// <summary>Each attempt's number, HTTP status and whether it carries an error.</summary>
    private static List<(int Number, int? StatusCode, bool Failed)> Attempts(JsonElement delivery) =>
        [.. delivery.GetProperty("attempt_history").EnumerateArray().Select(a => (
            a.GetProperty("number").GetInt32(),
            a.TryGetProperty("status_code", out var code) ? code.GetInt32() : (int?)null,
            a.TryGetProperty("error", out _)))];

    private async Task<(int Status, string Replayed, JsonElement Body)> RedeliverAsync(string path, AuthenticationHeaderValue server, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path + "/redeliver");
        request.Headers.Authorization = server;
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await host.Client.SendAsync(request);
        return ((int)response.StatusCode, response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) ? replayed.Single() : "",
            JsonSerializer.Deserialize<JsonElement>(await response.Content.ReadAsStringAsync()));
    }

    /// <summary>After the clock moved far, the skill's heartbeats on the new time (the next test opens sessions).</summary>
    private async Task HeartbeatsCaughtUpAsync()
    {
        var now = host.Clock.GetUtcNow();
        await host.WaitForAsync(async db => await db.SkillInstances.AnyAsync(i => i.SkillId == TestSkills.Aisp && i.LastSeenAt >= now));
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
