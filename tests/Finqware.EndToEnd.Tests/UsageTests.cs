using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Finqware.AppHost.Hosting;
using Finqware.Contracts.Usage;
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

    private static readonly string[] Units =
        ["sessions_opened", "sessions_completed", "sessions_failed", "sessions_expired", "sessions_cancelled", "steps", "steps_completed", "steps_failed", "uploads", "upload_bytes"];

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

        var expected = Expected(opened: 3, completed: 1, failed: 1, cancelled: 1, steps: 2, stepsCompleted: 1, stepsFailed: 1);
        Assert.Equal(expected, await WaitForUsageAsync(server, "/usage?group_by=skill", expected));

        // The usage of the first session and its step arrives again, in a message with one new event: only that one counts.
        await PublishAsync(new UsageRecorded
        {
            Events =
            [
                Event($"session:{completed.GetProperty("session_id").GetString()}:opened", tenant.ClientId, "sessions_opened"),
                Event($"session:{completed.GetProperty("session_id").GetString()}:completed", tenant.ClientId, "sessions_completed"),
                Event($"step:{step.GetProperty("step_id").GetString()}:submitted", tenant.ClientId, "steps"),
                Event($"step:{step.GetProperty("step_id").GetString()}:completed", tenant.ClientId, "steps_completed"),
                Event($"test:{Guid.NewGuid()}", tenant.ClientId, "sessions_opened"),
            ],
        });
        expected["sessions_opened"] = 4;
        Assert.Equal(expected, await WaitForUsageAsync(server, "/usage?group_by=skill", expected));

        // The same rows as CSV.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/usage?group_by=skill&granularity=month"))
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
            using var csv = await server.SendAsync(request, Cancel);
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            var lines = (await csv.Content.ReadAsStringAsync(Cancel)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["period", "skill", "environment", .. Units], lines[0].Split(','));
            Assert.Equal([DateTime.UtcNow.ToString("yyyy-MM"), Skill, "sandbox", .. Units.Select(u => expected[u].ToString())], lines[^1].Split(','));
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

        Assert.Equal(4, guide.Count);
        Assert.Equal(expected, Sum(GuideBlocks.Answer(guide[1].Block, guide[1].Output, variables)));
        Assert.StartsWith("period,skill,environment,sessions_opened,", guide[2].Output, StringComparison.Ordinal);
        Assert.Equal(expected, Sum(GuideBlocks.Answer(guide[3].Block, guide[3].Output, variables)));

        // The servicer sees its tenant's rows; another servicer's id is a 404; another tenant sees none of them.
        using var portal = ContractChecked.Client(system.Gateway.BaseAddress!);
        portal.DefaultRequestHeaders.Authorization = tenant.Portal;
        var report = await portal.GetFromJsonAsync<JsonElement>($"/servicers/{tenant.ServicerId}/usage?group_by=tenant,skill", Cancel);
        Assert.All(report.GetProperty("usage").EnumerateArray(), row => Assert.Equal(tenant.ClientId, row.GetProperty("client_id").GetString()));
        Assert.Equal(expected, Sum(report));
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
        var expected = Expected(opened: opened, completed: 0, failed: 0, cancelled: 0, steps: 0, stepsCompleted: 0, stepsFailed: 0);
        Assert.Equal(expected, await WaitForUsageAsync(server, "/usage", expected));
    }

    private static Dictionary<string, long> Expected(long opened, long completed, long failed, long cancelled, long steps, long stepsCompleted, long stepsFailed) => new()
    {
        ["sessions_opened"] = opened, ["sessions_completed"] = completed, ["sessions_failed"] = failed, ["sessions_expired"] = 0,
        ["sessions_cancelled"] = cancelled, ["steps"] = steps, ["steps_completed"] = stepsCompleted, ["steps_failed"] = stepsFailed,
        ["uploads"] = 0, ["upload_bytes"] = 0,
    };

    private static UsageEvent Event(string id, string clientId, string unit) =>
        new() { Id = id, ClientId = clientId, Skill = Skill, Unit = unit, Quantity = 1, OccurredAt = DateTimeOffset.UtcNow };

    /// <summary>Every unit summed over the report's rows (a test that runs across midnight UTC has two days).</summary>
    private static Dictionary<string, long> Sum(JsonElement report) =>
        Units.ToDictionary(u => u, u => report.GetProperty("usage").EnumerateArray().Sum(row => row.GetProperty(u).GetInt64()));

    private async Task<long> SessionsOpenedAsync(HttpClient server)
    {
        using var response = await server.GetAsync("/usage", Cancel);
        return response.IsSuccessStatusCode ? Sum(await response.Content.ReadFromJsonAsync<JsonElement>(Cancel))["sessions_opened"] : 0;
    }

    /// <summary>The report once it shows <paramref name="expected"/> (counts are visible within a few seconds), or as it is after 60 s.</summary>
    private async Task<Dictionary<string, long>> WaitForUsageAsync(HttpClient server, string path, Dictionary<string, long> expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var last = new Dictionary<string, long>();
        while (DateTime.UtcNow < deadline)
        {
            using var response = await server.GetAsync(path, Cancel);
            if (response.IsSuccessStatusCode)
            {
                last = Sum(await response.Content.ReadFromJsonAsync<JsonElement>(Cancel));
                if (last.OrderBy(p => p.Key).SequenceEqual(expected.OrderBy(p => p.Key)))
                {
                    break;
                }
            }

            await Task.Delay(250, Cancel);
        }

        // A few more rounds of shipping and storing: nothing more may arrive.
        await Task.Delay(TimeSpan.FromSeconds(3), Cancel);
        using var final = await server.GetAsync(path, Cancel);
        return final.IsSuccessStatusCode ? Sum(await final.Content.ReadFromJsonAsync<JsonElement>(Cancel)) : last;
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
