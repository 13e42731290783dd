using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Finqware.AppHost.Hosting;
using Finqware.Contracts.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Finqware.Testing;
using MassTransit;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// Usage reporting (issue 22, docs/usage.md) through the gateway: the counts are exactly what the test did, after a
/// replayed request, a redelivered usage message and a <c>kill -9</c> of the service that stores them; a tenant sees its
/// own rows, a servicer its own tenants'.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class UsageTests(SystemFixture system)
{
    private const string Skill = "example_echo_sbx_#1.0";

    /// <summary>A production skill (the Berlin Group connector's, on the bank mock): a production tenant registers only those.</summary>
    private const string ProductionSkill = "mockbank_aisp_#1.0";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Counts_what_a_tenant_did_once_however_often_a_request_or_a_message_comes_again()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel, Skill);
        var other = await ApiTenants.CreateAsync(system, Cancel, Skill);
        using var server = await ServerAsync(tenant);

        // A session opened and its step submitted, each sent twice with one Idempotency-Key: the step completes.
        var openKey = Guid.NewGuid().ToString();
        var completed = await OpenAsync(tenant, openKey);
        Assert.Equal(completed.GetProperty("session_id").GetString(), (await OpenAsync(tenant, openKey)).GetProperty("session_id").GetString());
        var submitKey = Guid.NewGuid().ToString();
        var step = await SubmitAsync(tenant, completed, "Ana", submitKey);
        Assert.Equal(step.GetProperty("step_id").GetString(), (await SubmitAsync(tenant, completed, "Ana", submitKey)).GetProperty("step_id").GetString());
        await WaitForStepAsync(server, completed, step, "COMPLETED");

        // One whose step fails ('nobody' is refused), one cancelled.
        var failed = await OpenAsync(tenant, null);
        await WaitForStepAsync(server, failed, await SubmitAsync(tenant, failed, "nobody", null), "FAILED");
        var cancelled = await OpenAsync(tenant, null);
        using (var cancel = await server.PostAsync($"/sessions/{cancelled.GetProperty("session_id").GetString()}/cancel", null, Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        var expected = UsageCounts.Expect(("sessions_opened", 3), ("sessions_completed", 1), ("sessions_failed", 1), ("sessions_cancelled", 1), ("steps", 2), ("steps_completed", 1), ("steps_failed", 1));
        Assert.Equal(expected, await UsageCounts.WaitForAsync(server, "/usage?group_by=skill", expected, Cancel));

        // The usage of the first session and its step arrives again (their ids are derived from them), in a message with
        // one new event: only that one counts.
        await PublishAsync(new UsageRecorded
        {
            Events =
            [
                Event($"session:{completed.GetProperty("session_id").GetString()}:completed", tenant.ClientId, "sessions_completed"),
                Event($"step:{step.GetProperty("step_id").GetString()}:submitted", tenant.ClientId, "steps"),
                Event($"step:{step.GetProperty("step_id").GetString()}:completed", tenant.ClientId, "steps_completed"),
                Event($"test:{Guid.NewGuid()}", tenant.ClientId, "sessions_opened"),
            ],
        });
        expected["sessions_opened"] = 4;
        Assert.Equal(expected, await UsageCounts.WaitForAsync(server, "/usage?group_by=skill", expected, Cancel));

        // The same rows as CSV.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/usage?group_by=skill&granularity=month"))
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
            using var csv = await server.SendAsync(request, Cancel);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            var lines = (await csv.Content.ReadAsStringAsync(Cancel)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["period", "skill", "environment", .. UsageCounts.Units], lines[0].Split(','));
            Assert.Equal([DateTime.UtcNow.ToString("yyyy-MM"), Skill, "sandbox", .. UsageCounts.Units.Select(u => expected[u].ToString())], lines[^1].Split(','));
        }

        // docs/usage.md, as written, answers the same.
        var variables = new Dictionary<string, string>
        {
            ["FINQWARE"] = system.Host.GatewayUrl!,
            ["API_TOKEN"] = server.DefaultRequestHeaders.Authorization!.Parameter!,
            ["PORTAL_TOKEN"] = tenant.PortalToken,
            ["SERVICER_ID"] = tenant.ServicerId,
        };
        var guide = new List<(string Block, string Output)>();
        foreach (var block in await GuideBlocks.ReadAsync(system, "usage.md", Cancel))
        {
            guide.Add((block, await GuideBlocks.RunAsync(block, variables)));
        }

        Assert.Equal(5, guide.Count);
        Assert.Equal(expected, UsageCounts.Sum(GuideBlocks.Answer(guide[1].Block, guide[1].Output, variables)));
        Assert.StartsWith("period,skill,environment,sessions_opened,", guide[2].Output, StringComparison.Ordinal);
        Assert.Equal(expected, UsageCounts.Sum(GuideBlocks.Answer(guide[3].Block, guide[3].Output, variables)));
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(guide[4].Output).RootElement.GetProperty("requests").ValueKind);

        // The servicer sees its tenant's rows; another servicer's id is a 404; another tenant sees none of them.
        using var portal = ContractChecked.Client(system.Gateway.BaseAddress!);
        portal.DefaultRequestHeaders.Authorization = tenant.Portal;
        var report = await portal.GetFromJsonAsync<JsonElement>($"/servicers/{tenant.ServicerId}/usage?group_by=tenant,skill", Cancel);
        Assert.All(report.GetProperty("usage").EnumerateArray(), row => Assert.Equal(tenant.ClientId, row.GetProperty("client_id").GetString()));
        Assert.Equal(expected, UsageCounts.Sum(report));
        await Problems.AssertAsync(await portal.GetAsync($"/servicers/{other.ServicerId}/usage", Cancel), HttpStatusCode.NotFound, "SERVICER_NOT_FOUND", Cancel);
        using var otherServer = await ServerAsync(other);
        Assert.Empty((await otherServer.GetFromJsonAsync<JsonElement>("/usage?group_by=skill", Cancel)).GetProperty("usage").EnumerateArray());
        await Problems.AssertAsync(await server.GetAsync("/usage?from=2026-13-01", Cancel), HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED", Cancel);
        await Problems.AssertAsync(await server.GetAsync("/usage?group_by=tenant", Cancel), HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED", Cancel);
    }

    [Fact]
    public async Task Counts_every_session_once_when_the_usage_store_is_killed_while_usage_streams_in()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel, Skill);
        using var server = await ServerAsync(tenant);
        await OpenAsync(tenant, null);
        var opened = 1;

        // Sessions keep opening; once their usage is being stored, TenantService (the store) gets SIGKILL, and more open.
        for (var i = 0; i < 15; i++)
        {
            await OpenAsync(tenant, null);
            opened++;
        }

        await EventuallyAsync(async () => await SessionsOpenedAsync(server) > 0 ? true : (bool?)null);
        var before = await ResourceAsync();
        var pid = before.GetProperty("pid").GetInt32();
        Assert.True(ChildProcess.SignalGroup(pid, Signals.SIGKILL));
        for (var i = 0; i < 15; i++)
        {
            await OpenAsync(tenant, null);
            opened++;
        }

        await EventuallyAsync(async () =>
        {
            var after = await ResourceAsync();
            return after.GetProperty("restart_count").GetInt32() > before.GetProperty("restart_count").GetInt32()
                && after.GetProperty("health").GetString() == "Healthy" ? true : (bool?)null;
        });
        var expected = UsageCounts.Expect(("sessions_opened", opened));
        Assert.Equal(expected, await UsageCounts.WaitForAsync(server, "/usage", expected, Cancel));
    }

    [Fact]
    public async Task Counts_each_answered_data_call_by_route_class_and_a_connection_read_as_active_once_a_month()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel, SandboxBankDriver.Aisp);
        using var server = await ServerAsync(tenant);
        var sessions = new SessionClient(system.Gateway, tenant.ClientId, tenant.AppKey, server.DefaultRequestHeaders.Authorization!.Parameter);
        var session = await sessions.OpenAsync(SandboxBankDriver.Aisp, Cancel);
        await session.CompleteAsync("credentials", new { username = "user_good", password = "pass_good" }, Cancel);
        var sca = await session.RunAsync("sca", new { otp = "123456" }, Cancel);
        var connectionId = sca.GetProperty("result").GetProperty("connection_id").GetString()!;
        var accountId = sca.GetProperty("result").GetProperty("accounts")[0].GetProperty("account_id").GetString()!;

        // Balances once the consent's data is in (a 404 before is refused, and counts nothing); then the others.
        await EventuallyAsync(async () =>
        {
            using var response = await server.GetAsync($"/accounts/{Uri.EscapeDataString(accountId)}/balances", Cancel);
            return response.IsSuccessStatusCode ? true : (bool?)null;
        });
        foreach (var path in new[] { $"/accounts?connection_id={connectionId}", $"/accounts/{accountId}", $"/accounts/{accountId}/transactions", $"/accounts/{accountId}/transactions?limit=1", $"/connections/{connectionId}" })
        {
            using var response = await server.GetAsync(path, Cancel);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        }

        // A sync sent twice with one Idempotency-Key runs once; refused calls (unknown account, payment) count nothing.
        var key = Guid.NewGuid().ToString();
        for (var i = 0; i < 2; i++)
        {
            using var sync = new HttpRequestMessage(HttpMethod.Post, "/transactions/sync") { Content = JsonContent.Create(new { connection_id = connectionId }) };
            sync.Headers.Add("Idempotency-Key", key);
            using var response = await server.SendAsync(sync, Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Problems.AssertAsync(await server.GetAsync("/accounts/no-such-account", Cancel), HttpStatusCode.NotFound, "ACCOUNT_NOT_FOUND", Cancel);
        await Problems.AssertAsync(await server.GetAsync("/payments/no-such-payment", Cancel), HttpStatusCode.NotFound, "PAYMENT_NOT_FOUND", Cancel);

        var expected = new Dictionary<string, long>
        {
            ["data_calls"] = 7, ["data_calls_accounts"] = 2, ["data_calls_balances"] = 1, ["data_calls_transactions"] = 3, ["data_calls_payments"] = 0,
            ["data_calls_applications"] = 0, ["data_calls_connections"] = 1, ["active_connections"] = 1, ["webhooks_delivered"] = 0, ["webhooks_failed"] = 0,
            ["sessions_opened"] = 1,
        };
        Assert.Equal(expected, await UsageCounts.WaitForAsync(server, "/usage", expected, Cancel));
        var bySkill = await server.GetFromJsonAsync<JsonElement>("/usage?group_by=skill", Cancel);
        Assert.Equal([SandboxBankDriver.Aisp], bySkill.GetProperty("usage").EnumerateArray().Select(r => r.GetProperty("skill").GetString()).Distinct());
    }

    [Fact]
    public async Task Counts_a_webhook_once_when_delivered_after_a_refusal_and_once_when_given_up_after_its_last_attempt()
    {
        // The tenant's endpoint refuses the first attempt of every event, and every attempt at the refused session's.
        var attempts = new ConcurrentDictionary<string, int>();
        string? refusedSession = null;
        await using var receiver = await TestWebServer.StartAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var attempt = attempts.AddOrUpdate(request.Headers["Finqware-Event-Id"].ToString(), 1, (_, n) => n + 1);
            return attempt == 1 || (Volatile.Read(ref refusedSession) is { } refused && body.Contains(refused, StringComparison.Ordinal))
                ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable)
                : Results.NoContent();
        }));
        var tenant = await ApiTenants.AddTenantAsync(system, await ApiTenants.SignUpAsync(system, Cancel), "sandbox", receiver.Url + "/hook", [Skill], Cancel);
        using var server = await ServerAsync(tenant);
        var sessions = new SessionClient(system.Gateway, tenant.ClientId, tenant.AppKey, server.DefaultRequestHeaders.Authorization!.Parameter);

        // Each session's one step completes: a STEP_COMPLETED and a SESSION_COMPLETED event each.
        var delivered = await sessions.OpenAsync(Skill, Cancel);
        await delivered.CompleteAsync("greeting", new { name = "Ana" }, Cancel);
        var given = await sessions.OpenAsync(Skill, Cancel);
        Volatile.Write(ref refusedSession, given.Id.ToString());
        await given.CompleteAsync("greeting", new { name = "Bo" }, Cancel);

        var maxAttempts = int.Parse(SystemFixture.WebhookSettings["Webhooks__MaxAttempts"], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (session, status, tries) in new[] { (delivered, "DELIVERED", 2), (given, "FAILED", maxAttempts) })
        {
            var deliveries = (await EventuallyAsync(async () =>
            {
                var list = (await server.GetFromJsonAsync<JsonElement>($"/sessions/{session.Id}/webhooks", Cancel)).GetProperty("deliveries");
                return list.GetArrayLength() == 2 && list.EnumerateArray().All(d => d.GetProperty("status").GetString() is "DELIVERED" or "FAILED") ? list : (JsonElement?)null;
            })).EnumerateArray().ToList();
            Assert.All(deliveries, d => Assert.Equal((status, tries), (d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32())));
            Assert.All(deliveries, d => Assert.Equal(tries, attempts[d.GetProperty("event_id").GetString()!]));
        }

        // Each event once, as what became of it; none of the six retries counted.
        var expected = UsageCounts.Expect(("sessions_opened", 2), ("sessions_completed", 2), ("steps", 2), ("steps_completed", 2),
            ("webhooks_delivered", 2), ("webhooks_failed", 2));
        Assert.Equal(expected, await UsageCounts.WaitForAsync(server, "/usage", expected, Cancel));
    }

    [Fact]
    public async Task Keeps_sandbox_and_production_apart_and_shows_a_servicer_its_own_tenants_only()
    {
        var servicer = await ApiTenants.SignUpAsync(system, Cancel);
        var sandbox = await ApiTenants.AddTenantAsync(system, servicer, "sandbox", null, [Skill], Cancel);
        var production = await ApiTenants.AddTenantAsync(system, servicer, "production", null, [ProductionSkill], Cancel);
        var stranger = await ApiTenants.CreateAsync(system, Cancel, Skill);
        var opened = new[] { (sandbox, Skill, "sandbox", 1), (production, ProductionSkill, "production", 2), (stranger, Skill, "sandbox", 3) };
        foreach (var (tenant, skill, environment, count) in opened)
        {
            using var server = await ServerAsync(tenant);
            var sessions = new SessionClient(system.Gateway, tenant.ClientId, tenant.AppKey, server.DefaultRequestHeaders.Authorization!.Parameter);
            for (var i = 0; i < count; i++)
            {
                await sessions.OpenAsync(skill, Cancel);
            }

            // Each tenant sees its own sessions, in rows of its own environment only.
            var expected = UsageCounts.Expect(("sessions_opened", count));
            Assert.Equal(expected, await UsageCounts.WaitForAsync(server, "/usage?group_by=skill", expected, Cancel));
            var own = (await server.GetFromJsonAsync<JsonElement>("/usage?group_by=skill", Cancel)).GetProperty("usage").EnumerateArray().ToList();
            Assert.All(own, row => Assert.Equal((skill, environment), (row.GetProperty("skill").GetString(), row.GetProperty("environment").GetString())));
        }

        // The servicer: a row per tenant with its environment, none of the stranger's; by environment alone, two rows
        // (sandbox and production are never added together).
        using var portal = ContractChecked.Client(system.Gateway.BaseAddress!);
        portal.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", servicer.PortalToken);
        var byTenant = await portal.GetFromJsonAsync<JsonElement>($"/servicers/{servicer.ServicerId}/usage?group_by=tenant,skill&granularity=month", Cancel);
        Assert.Equal(
            new[] { (sandbox.ClientId, Skill, "sandbox", 1L), (production.ClientId, ProductionSkill, "production", 2L) }.Order(),
            byTenant.GetProperty("usage").EnumerateArray().Select(r => (r.GetProperty("client_id").GetString()!, r.GetProperty("skill").GetString()!,
                r.GetProperty("environment").GetString()!, r.GetProperty("sessions_opened").GetInt64())).Order());
        var byEnvironment = await portal.GetFromJsonAsync<JsonElement>($"/servicers/{servicer.ServicerId}/usage?granularity=month", Cancel);
        Assert.Equal([("production", 2L), ("sandbox", 1L)], byEnvironment.GetProperty("usage").EnumerateArray()
            .Select(r => (r.GetProperty("environment").GetString()!, r.GetProperty("sessions_opened").GetInt64())).Order());

        // The stranger's servicer sees its own tenant only; neither servicer reaches the other's report.
        using var strangerPortal = ContractChecked.Client(system.Gateway.BaseAddress!);
        strangerPortal.DefaultRequestHeaders.Authorization = stranger.Portal;
        var theirs = await strangerPortal.GetFromJsonAsync<JsonElement>($"/servicers/{stranger.ServicerId}/usage?group_by=tenant", Cancel);
        Assert.Equal([(stranger.ClientId, 3L)], theirs.GetProperty("usage").EnumerateArray().Select(r => (r.GetProperty("client_id").GetString()!, r.GetProperty("sessions_opened").GetInt64())));
        await Problems.AssertAsync(await portal.GetAsync($"/servicers/{stranger.ServicerId}/usage", Cancel), HttpStatusCode.NotFound, "SERVICER_NOT_FOUND", Cancel);
        await Problems.AssertAsync(await strangerPortal.GetAsync($"/servicers/{servicer.ServicerId}/usage", Cancel), HttpStatusCode.NotFound, "SERVICER_NOT_FOUND", Cancel);
    }

    [Fact]
    public async Task The_activity_log_holds_a_tenants_own_requests_searchable_and_paged()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel, Skill);
        var other = await ApiTenants.CreateAsync(system, Cancel, Skill);
        using var server = await ServerAsync(tenant);
        using var otherServer = await ServerAsync(other);

        // The client app opens a session (credentials in the body); the server reads it, and asks for an unknown account.
        var sessionId = (await OpenAsync(tenant, null)).GetProperty("session_id").GetString();
        (await server.GetAsync($"/sessions/{sessionId}", Cancel)).Dispose();
        await Problems.AssertAsync(await server.GetAsync("/accounts/no-such-account", Cancel), HttpStatusCode.NotFound, "ACCOUNT_NOT_FOUND", Cancel);

        var read = await EventuallyAsync(async () =>
        {
            var page = await server.GetFromJsonAsync<JsonElement>("/activity?route=/sessions", Cancel);
            var entries = page.GetProperty("requests").EnumerateArray().ToList();
            return entries.Count >= 2 ? page : (JsonElement?)null;
        });
        var sessions = read.GetProperty("requests").EnumerateArray().ToList();
        Assert.Equal(["GET 200", "POST 201"], sessions.Select(e => $"{e.GetProperty("method").GetString()} {e.GetProperty("status").GetInt32()}"));
        Assert.All(sessions, e => Assert.Equal(sessionId, e.GetProperty("session_id").GetString()));

        // By trace id (the read's own), by status and status class, paged one by one, newest first.
        var traceId = sessions[0].GetProperty("trace_id").GetString();
        var traced = await server.GetFromJsonAsync<JsonElement>($"/activity?trace_id={traceId}", Cancel);
        Assert.Equal([sessions[0].GetRawText()], traced.GetProperty("requests").EnumerateArray().Select(e => e.GetRawText()));
        foreach (var status in new[] { "404", "4xx" })
        {
            // The log is written in batches every second: the 404, answered after the session's read, may be in the next one.
            var refused = await EventuallyAsync(async () =>
            {
                var page = await server.GetFromJsonAsync<JsonElement>($"/activity?status={status}", Cancel);
                return page.GetProperty("requests").GetArrayLength() > 0 ? page : (JsonElement?)null;
            });
            Assert.Equal(["GET /accounts/{account_id}/ 404"], refused.GetProperty("requests").EnumerateArray()
                .Select(e => $"{e.GetProperty("method").GetString()} {e.GetProperty("route").GetString()} {e.GetProperty("status").GetInt32()}"));
        }

        var first = await server.GetFromJsonAsync<JsonElement>("/activity?route=/sessions&limit=1", Cancel);
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var second = await server.GetFromJsonAsync<JsonElement>($"/activity?route=/sessions&limit=1&cursor={first.GetProperty("next_cursor").GetString()}", Cancel);
        Assert.Equal([sessions[0].GetRawText(), sessions[1].GetRawText()],
            [first.GetProperty("requests")[0].GetRawText(), second.GetProperty("requests")[0].GetRawText()]);

        // Another tenant sees none of it; bad parameters are problems.
        var theirs = await otherServer.GetFromJsonAsync<JsonElement>("/activity", Cancel);
        Assert.DoesNotContain(theirs.GetProperty("requests").EnumerateArray(), e => e.GetProperty("route").GetString() != "/activity/");
        await Problems.AssertAsync(await server.GetAsync("/activity?status=abc", Cancel), HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED", Cancel);
        await Problems.AssertAsync(await server.GetAsync("/activity?cursor=bm90LWEtY3Vyc29y", Cancel), HttpStatusCode.BadRequest, "INVALID_CURSOR", Cancel);
    }

    private static UsageEvent Event(string id, string clientId, string unit) =>
        new() { Id = id, ClientId = clientId, Skill = Skill, Unit = unit, Quantity = 1, OccurredAt = DateTimeOffset.UtcNow };

    private async Task<long> SessionsOpenedAsync(HttpClient server)
    {
        using var response = await server.GetAsync("/usage", Cancel);
        return response.IsSuccessStatusCode ? UsageCounts.Sum(await response.Content.ReadFromJsonAsync<JsonElement>(Cancel))["sessions_opened"] : 0;
    }

    private async Task<HttpClient> ServerAsync(ApiTenant tenant)
    {
        var server = ContractChecked.Client(system.Gateway.BaseAddress!);
        server.DefaultRequestHeaders.Authorization = await ApiTenants.ApiTokenAsync(system, tenant, Cancel);
        return server;
    }

    /// <summary>Opens a session, waiting while SessionService has not yet received the new tenant.</summary>
    private async Task<JsonElement> OpenAsync(ApiTenant tenant, string? key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/sessions") { Content = JsonContent.Create(new { client_id = tenant.ClientId, client_app_key = tenant.AppKey, skill = Skill }) };
            if (key is not null)
            {
                request.Headers.Add("Idempotency-Key", key);
            }

            using var response = await system.Gateway.SendAsync(request, Cancel);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline && response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.ServiceUnavailable,
                $"POST /sessions answered {(int)response.StatusCode}: {body}");
            await Task.Delay(250, Cancel);
        }
    }

    private async Task<JsonElement> SubmitAsync(ApiTenant tenant, JsonElement session, string name, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/sessions/{session.GetProperty("session_id").GetString()}/steps")
        {
            Content = JsonContent.Create(new { client_id = tenant.ClientId, nonce = session.GetProperty("nonce").GetString(), skill = Skill, step = "greeting", data = new { name } }),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await system.Gateway.SendAsync(request, Cancel);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body.ToString());
        return body;
    }

    private async Task WaitForStepAsync(HttpClient server, JsonElement session, JsonElement step, string status)
    {
        var path = $"/sessions/{session.GetProperty("session_id").GetString()}/steps/{step.GetProperty("step_id").GetString()}?wait=10";
        var read = await EventuallyAsync(async () =>
        {
            var body = await server.GetFromJsonAsync<JsonElement>(path, Cancel);
            return body.GetProperty("status").GetString() is "COMPLETED" or "FAILED" ? body : (JsonElement?)null;
        });
        Assert.Equal(status, read.GetProperty("status").GetString());
    }

    private async Task PublishAsync(UsageRecorded message)
    {
        var address = BrokerAddress.Parse(((RabbitMqResource)system.Host["messaging"]).ConnectionString!);
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(address));
        await bus.StartAsync(Cancel);
        try
        {
            await bus.Publish(message, Cancel);
        }
        finally
        {
            await bus.StopAsync(Cancel);
        }
    }

    private async Task<JsonElement> ResourceAsync() => await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources/tenants", Cancel);

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (HttpRequestException)
            {
                // The service is restarting: try again.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("The condition did not hold within 60 s.");
    }
}
