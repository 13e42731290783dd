using Finqware.AppHost.Hosting;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The platform as a newcomer meets it after <c>./run.sh</c>: everything up and healthy behind the gateway, the
/// dashboard showing it, bad requests answered with problem documents, and a killed service brought back.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class PlatformTests(SystemFixture system)
{
    private static readonly string[] Expected = ["postgres", "messaging", "catalog", "tenants", "sessions", "gateway", "example-connector", "sandbox-marketplace"];

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Gateway_services_health_is_healthy_and_covers_every_service()
    {
        var response = await system.Gateway.GetAsync("/health/services", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        foreach (var service in new[] { "catalog", "tenants", "sessions" })
        {
            Assert.Equal("Healthy", health.GetProperty("checks").GetProperty(service).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Skills_answer_200_with_json_through_the_gateway()
    {
        var response = await system.Gateway.GetAsync("/skills", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("skills").ValueKind);
    }

    [Fact]
    public async Task The_connectors_the_apphost_launches_make_their_skills_available_in_the_catalog()
    {
        var skill = await system.Gateway.GetFromJsonAsync<JsonElement>("/skills/example_echo_sbx_%231.0", Cancel);

        Assert.Equal("AVAILABLE", skill.GetProperty("status").GetString());
        Assert.Equal(1, skill.GetProperty("instances").GetInt32());
        Assert.Equal("greeting", skill.GetProperty("steps")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task The_dashboard_lists_every_resource_running_and_healthy()
    {
        var resources = await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources", Cancel);

        foreach (var name in Expected)
        {
            var resource = resources.EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);
            Assert.Equal("Running", resource.GetProperty("state").GetString());
            Assert.Equal("Healthy", resource.GetProperty("health").GetString());
        }

        var page = await system.Dashboard.GetStringAsync("/", Cancel);
        Assert.Contains("Resources", page, StringComparison.Ordinal);
        Assert.Contains("Console logs", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_service_publishes_its_openapi_document_through_the_gateway()
    {
        foreach (var service in new[] { "catalog", "tenants", "sessions", "gateway" })
        {
            var document = await system.Gateway.GetFromJsonAsync<JsonElement>($"/openapi/{service}.json", Cancel);
            Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await system.Gateway.GetAsync("/docs/", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_from_the_service_behind_the_gateway()
    {
        using var body = new StringContent("{\"name\": \"Acme\", \"kind\": ", Encoding.UTF8, "application/json");
        var response = await system.Gateway.PostAsync("/servicers", body, Cancel);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "MALFORMED_JSON");
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        var response = await system.Gateway.GetAsync("/definitely/not/here", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "ROUTE_NOT_FOUND");
    }

    [Fact]
    public async Task An_unsupported_method_is_a_405_problem()
    {
        var response = await system.Gateway.DeleteAsync("/skills", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "METHOD_NOT_ALLOWED");
    }

    [Fact]
    public async Task A_killed_service_is_restarted_and_the_dashboard_shows_the_restart()
    {
        var before = await ResourceAsync("sessions");
        var pid = before.GetProperty("pid").GetInt32();
        var restarts = before.GetProperty("restart_count").GetInt32();

        Assert.True(ChildProcess.SignalGroup(pid, Signals.SIGKILL));

        // While it is down, its routes are 503 problems that say when to try again (never YARP's bare 502).
        var down = await system.Gateway.GetAsync($"/sessions/{Guid.NewGuid()}", Cancel);
        await AssertProblemAsync(down, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.NotNull(down.Headers.RetryAfter?.Delta);

        var after = await EventuallyAsync(async () =>
        {
            var r = await ResourceAsync("sessions");
            return r.GetProperty("restart_count").GetInt32() > restarts
                && r.GetProperty("state").GetString() == "Running"
                && r.GetProperty("health").GetString() == "Healthy"
                && r.GetProperty("pid").GetInt32() != pid ? r : (JsonElement?)null;
        });
        Assert.Equal(restarts + 1, after.GetProperty("restart_count").GetInt32());
        Assert.False(ChildProcess.IsAlive(pid));

        // The system as a whole is healthy again, so the other tests see it as they expect.
        await EventuallyAsync(async () =>
            (await system.Gateway.GetAsync("/health/services", Cancel)).StatusCode == HttpStatusCode.OK ? true : (bool?)null);
        await EventuallyAsync(async () =>
            (await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources", Cancel)).EnumerateArray().All(r => r.GetProperty("health").GetString() == "Healthy") ? true : (bool?)null);
        var logs = await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources/sessions/logs", Cancel);
        Assert.Contains(logs.EnumerateArray(), l => l.GetProperty("text").GetString()!.Contains("restarting in", StringComparison.Ordinal));
    }

    private async Task<JsonElement> ResourceAsync(string name) =>
        await system.Dashboard.GetFromJsonAsync<JsonElement>($"/api/resources/{name}", Cancel);

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe) where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("The condition did not hold within 60 s.");
    }

    private async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("trace_id").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }
}
