namespace Finqware.EndToEnd.Tests;

/// <summary>
/// What an operator sees on the dashboard after a tenant's user goes through onboarding: one step is one trace across
/// gateway → SessionService → RabbitMQ → connector → SessionService; a step the connector fails is an error trace with
/// a warning log linked to it; the services' metrics (Finqware's own among them) and the connectors' queues are there.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class TelemetryTests(SystemFixture system)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_onboarding_step_is_one_trace_from_the_gateway_through_the_connector_and_back_to_sessions()
    {
        var (_, stepId) = await Onboarding.SubmitGreetingAsync(system, "Ana", Cancel);

        var trace = await Onboarding.TraceOfStepAsync(system, stepId, t => Resources(t).IsSupersetOf(["gateway", "sessions", "example-connector"]) && Onboarding.ConsumedBackInSessions(t), Cancel);

        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        var ids = spans.Select(s => s.GetProperty("span_id").GetString()).ToHashSet();
        var roots = spans.Where(s => s.GetProperty("parent_span_id").ValueKind == JsonValueKind.Null || !ids.Contains(s.GetProperty("parent_span_id").GetString())).ToList();
        var root = Assert.Single(roots);
        Assert.Equal("gateway", root.GetProperty("resource").GetString());
        Assert.Equal("server", root.GetProperty("kind").GetString());
        var step = spans.Single(s => s.GetProperty("resource").GetString() == "example-connector" && s.GetProperty("name").GetString()!.StartsWith("step ", StringComparison.Ordinal));
        Assert.Equal("COMPLETED", step.GetProperty("attributes").GetProperty("finqware.outcome").GetString());
        Assert.False(trace.GetProperty("error").GetBoolean());

        // The list finds it with the page's filters.
        var listed = await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/traces?resource=example-connector&min_duration_ms=0&limit=1000", Cancel);
        Assert.Contains(listed.EnumerateArray(), t => t.GetProperty("trace_id").GetString() == trace.GetProperty("trace_id").GetString());
    }

    [Fact]
    public async Task A_step_the_connector_fails_is_an_error_trace_with_an_error_log_linked_to_it()
    {
        var (_, stepId) = await Onboarding.SubmitGreetingAsync(system, "nobody", Cancel);

        var trace = await Onboarding.TraceOfStepAsync(system, stepId, t => t.GetProperty("error").GetBoolean() && Onboarding.ConsumedBackInSessions(t), Cancel);
        var traceId = trace.GetProperty("trace_id").GetString()!;
        var failed = trace.GetProperty("spans").EnumerateArray().Single(s => s.GetProperty("status").GetString() == "error");
        Assert.Equal("example-connector", failed.GetProperty("resource").GetString());
        Assert.Equal("FAILED", failed.GetProperty("attributes").GetProperty("finqware.outcome").GetString());

        var errors = await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/traces?error=true&limit=1000", Cancel);
        Assert.Contains(errors.EnumerateArray(), t => t.GetProperty("trace_id").GetString() == traceId);

        var logs = await Onboarding.WaitForAsync(
            () => system.Dashboard.GetFromJsonAsync<JsonElement>($"/api/logs?trace_id={traceId}&level=error", Cancel),
            l => l.GetArrayLength() > 0,
            Cancel);
        var error = logs.EnumerateArray().First(l => l.GetProperty("resource").GetString() == "example-connector");
        Assert.Equal("Error", error.GetProperty("level").GetString());
        Assert.Contains("NAME_REFUSED", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(stepId, error.GetProperty("attributes").GetProperty("StepId").GetString());
    }

    [Fact]
    public async Task Every_service_exports_metrics_and_sessions_exports_finqwares_own()
    {
        await Onboarding.SubmitGreetingAsync(system, "Metrics", Cancel);

        var metrics = await Onboarding.WaitForAsync(
            () => system.Dashboard.GetFromJsonAsync<JsonElement>("/api/metrics", Cancel),
            m => Instruments(m, "sessions").IsSupersetOf(["finqware.sessions.opened", "finqware.steps.processed", "finqware.steps.duration"])
                && Instruments(m, "sessions").Any(IsGcInstrument)
                && Instruments(m, "example-connector").Any(i => i.StartsWith("messaging.masstransit.consume", StringComparison.Ordinal)),
            Cancel);

        foreach (var resource in new[] { "gateway", "catalog", "tenants", "sessions", "example-connector" })
        {
            Assert.Contains("http.server.request.duration", Instruments(metrics, resource));
        }

        Assert.Contains(Instruments(metrics, "sessions"), IsGcInstrument);
        Assert.Contains(Instruments(metrics, "example-connector"), i => i.StartsWith("messaging.masstransit.consume", StringComparison.Ordinal));

        var steps = await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/metrics/sessions/finqware.steps.processed", Cancel);
        Assert.Contains(steps.GetProperty("series").EnumerateArray(), s => s.GetProperty("attributes").GetProperty("finqware.outcome").GetString() == "COMPLETED");
        var latency = await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/metrics/sessions/finqware.steps.duration", Cancel);
        Assert.Equal("histogram", latency.GetProperty("type").GetString());
        Assert.Equal("ms", latency.GetProperty("unit").GetString());
    }

    [Fact]
    public async Task The_resources_api_shows_the_connectors_queue_depths_and_the_dependency_graph()
    {
        var resources = await Onboarding.WaitForAsync(
            () => system.Dashboard.GetFromJsonAsync<JsonElement>("/api/resources", Cancel),
            r => Resource(r, "example-connector").GetProperty("queues").GetArrayLength() > 0,
            Cancel);
        // The skill's queue (MassTransit's kebab-case of the skill id) is the connector's.
        var queue = Resource(resources, "example-connector").GetProperty("queues").EnumerateArray()
            .Single(q => q.GetProperty("name").GetString() == "skill-example-echo-sbx-1-0");
        Assert.True(queue.GetProperty("consumers").GetInt64() >= 1);
        Assert.Equal("skill-example-echo-sbx-1-0_error", queue.GetProperty("error_queue").GetString());
        Assert.True(queue.GetProperty("error_messages").GetInt64() >= 0);
        Assert.Contains(Resource(resources, "sessions").GetProperty("queues").EnumerateArray(), q => q.GetProperty("name").GetString() == "sessions-step-processed");

        var graph = await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/graph", Cancel);
        var edges = graph.GetProperty("edges").EnumerateArray().Select(e => (e.GetProperty("from").GetString(), e.GetProperty("to").GetString())).ToList();
        Assert.Contains(("gateway", "sessions"), edges);
        Assert.Contains(("sessions", "messaging"), edges);
        Assert.Contains(("example-connector", "sessions"), edges);
        Assert.Contains(("example-connector", "exampleconnectordb"), edges);
        Assert.Equal(system.Host.Resources.Count, graph.GetProperty("nodes").GetArrayLength());
    }

    [Fact]
    public async Task The_dashboard_guides_curl_lines_answer_json()
    {
        // The guide reads SessionService's step counter: one step makes sure it exists.
        await Onboarding.SubmitGreetingAsync(system, "Guide", Cancel);
        await Onboarding.WaitForAsync(
            () => system.Dashboard.GetAsync("/api/metrics/sessions/finqware.steps.processed", Cancel),
            r => r.IsSuccessStatusCode,
            Cancel);
        var guide = await File.ReadAllTextAsync(Path.Combine(system.Host.Options.RepositoryRoot, "docs", "dashboard.md"), Cancel);
        var lines = System.Text.RegularExpressions.Regex.Matches(guide, @"```bash\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .SelectMany(m => m.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Where(l => l.StartsWith("curl ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var command = line.Replace("localhost:18888", system.Host.DashboardUrl!.Replace("http://", "", StringComparison.Ordinal), StringComparison.Ordinal);
            var info = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, ArgumentList = { "-euo", "pipefail", "-c", command + " --fail-with-body" } };
            using var process = System.Diagnostics.Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync(Cancel);
            await process.WaitForExitAsync(Cancel);
            Assert.True(process.ExitCode == 0, $"{command} exited {process.ExitCode}: {output}");
            Assert.True(JsonSerializer.Deserialize<JsonElement>(output).ValueKind is JsonValueKind.Array or JsonValueKind.Object, output);
        }
    }

    // Every instrument comes with its service's periodic export (every 5 s), and a process restarted by an earlier test
    // shows a counter again only after it has counted and exported: hence all of them are part of the wait above.
    private static bool IsGcInstrument(string name) =>
        name.StartsWith("process.runtime.dotnet.gc", StringComparison.Ordinal) || name.StartsWith("dotnet.gc", StringComparison.Ordinal);

    private static HashSet<string> Resources(JsonElement trace) =>
        trace.GetProperty("spans").EnumerateArray().Select(s => s.GetProperty("resource").GetString()!).ToHashSet();

    private static JsonElement Resource(JsonElement resources, string name) =>
        resources.EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);

    private static HashSet<string> Instruments(JsonElement metrics, string resource) =>
        metrics.EnumerateArray().Where(r => r.GetProperty("resource").GetString() == resource)
            .SelectMany(r => r.GetProperty("instruments").EnumerateArray().Select(i => i.GetProperty("name").GetString()!)).ToHashSet();
}
