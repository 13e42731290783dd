using Finqware.AppHost;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The sandbox demo tenant's user going through the example connector's greeting step (the seed's flow), and a patient
/// read of what the dashboard shows once the services' telemetry has been exported.
/// </summary>
internal static class Onboarding
{
    public const string Skill = "example_echo_sbx_#1.0";

    /// <summary>Opens a session with the sandbox demo tenant and submits the greeting step; returns the session and step ids.</summary>
    public static async Task<(string SessionId, string StepId)> SubmitGreetingAsync(SystemFixture system, string name, CancellationToken cancel)
    {
        var demo = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(Path.Combine(system.Host.Options.StateDirectory, SandboxDemo.FileName), cancel));
        var clientId = demo.GetProperty("client_id").GetString()!;
        var open = JsonSerializer.Serialize(new { client_id = clientId, client_app_key = demo.GetProperty("client_app_key").GetString(), skill = Skill });
        var created = await WaitForAsync(() => PostAsync(system, "/sessions", open, cancel), r => r.StatusCode == HttpStatusCode.Created, cancel);
        var session = await created.Content.ReadFromJsonAsync<JsonElement>(cancel);
        var sessionId = session.GetProperty("session_id").GetString()!;

        var submit = JsonSerializer.Serialize(new { client_id = clientId, nonce = session.GetProperty("nonce").GetString(), skill = Skill, step = "greeting", data = new { name } });
        var submitted = await PostAsync(system, $"/sessions/{sessionId}/steps", submit, cancel);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        return (sessionId, (await submitted.Content.ReadFromJsonAsync<JsonElement>(cancel)).GetProperty("step_id").GetString()!);
    }

    /// <summary>
    /// Reads until <paramref name="done"/> holds: telemetry is exported in batches every second (metrics every five
    /// seconds), so what the dashboard shows lags what happened. Fails with the last value after a generous bound.
    /// </summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                Assert.True(done(value), $"not shown within 60 s: {value}");
                return value;
            }

            await Task.Delay(500, cancel);
        }
    }

    /// <summary>The trace in which the connector ran <paramref name="stepId"/>, once <paramref name="complete"/> holds for it (spans arrive in batches).</summary>
    public static async Task<JsonElement> TraceOfStepAsync(SystemFixture system, string stepId, Func<JsonElement, bool> complete, CancellationToken cancel)
    {
        JsonElement? found = null;
        await WaitForAsync(async () =>
        {
            var traces = await system.Dashboard.GetFromJsonAsync<JsonElement>("/api/traces?resource=example-connector&limit=1000", cancel);
            // Only traces a request through the gateway started (the connector's heartbeats start traces of their own).
            foreach (var summary in traces.EnumerateArray().Where(t => t.GetProperty("resources").EnumerateArray().Any(r => r.GetString() == "gateway")))
            {
                var trace = await system.Dashboard.GetFromJsonAsync<JsonElement>($"/api/traces/{summary.GetProperty("trace_id").GetString()}", cancel);
                if (trace.GetProperty("spans").EnumerateArray().Any(s => s.GetProperty("attributes").TryGetProperty("finqware.step_id", out var id) && id.GetString() == stepId))
                {
                    found = trace;
                    return complete(trace);
                }
            }

            return false;
        }, ok => ok, cancel);
        return found!.Value;
    }

    /// <summary>
    /// The connector's outcome came back (SessionService consumed StepProcessed inside the same trace) and every span's
    /// parent has arrived. Each process exports its spans in its own batches, and a parent ends after its children: the
    /// connector's consume span, for one, closes after the outcome it published may already have been applied.
    /// </summary>
    public static bool ConsumedBackInSessions(JsonElement trace)
    {
        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        var ids = spans.Select(s => s.GetProperty("span_id").GetString()).ToHashSet();
        return spans.Any(s => s.GetProperty("resource").GetString() == "sessions" && s.GetProperty("kind").GetString() == "consumer")
            && spans.All(s => s.GetProperty("parent_span_id").ValueKind == JsonValueKind.Null || ids.Contains(s.GetProperty("parent_span_id").GetString()));
    }

    private static async Task<HttpResponseMessage> PostAsync(SystemFixture system, string path, string json, CancellationToken cancel)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await system.Gateway.PostAsync(path, content, cancel);
    }
}
