using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Finqware.Testing;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// GET /sessions/{id}/events through the gateway (docs/sessions.md, "Follow the session as events"): the session as
/// Server-Sent Events, from the client app with its app key and from the server with its token, to its end; a
/// reconnect with Last-Event-ID gets nothing twice; the refusals are the session read's.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class SessionEventsTests(SystemFixture system)
{
    private const string Echo = "example_echo_sbx_#1.0";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_client_app_follows_a_session_to_its_end_and_a_reconnect_gets_nothing_twice()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel, Echo);
        var session = await new SessionClient(system.Gateway, tenant.ClientId, tenant.AppKey).OpenAsync(Echo, Cancel);

        // The stream is open before the step is submitted: what follows comes as events, not from a later read.
        using var stream = await OpenAsync(session.Id, tenant.ClientApp);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        var events = SseParser.Create(await stream.Content.ReadAsStreamAsync(Cancel)).EnumerateAsync(Cancel).GetAsyncEnumerator(Cancel);
        var first = await NextSessionEventAsync(events);
        Assert.Equal("SESSION_CREATED", Status(first));
        Assert.Equal(session.Id.ToString(), JsonDocument.Parse(first.Data).RootElement.GetProperty("session_id").GetString());

        await session.SubmitAsync("greeting", new { name = "Ana" }, Cancel);
        var seen = new List<SseItem<string>> { first };
        while (Status(seen[^1]) != "COMPLETED")
        {
            seen.Add(await NextSessionEventAsync(events));
        }

        // The last event is the end: the step completed, the stream closes, and the client app sees no result.
        var last = JsonDocument.Parse(seen[^1].Data).RootElement;
        var step = Assert.Single(last.GetProperty("steps").EnumerateArray());
        Assert.Equal(("greeting", "COMPLETED"), (step.GetProperty("step").GetString(), step.GetProperty("status").GetString()));
        Assert.False(step.TryGetProperty("result", out var result) && result.ValueKind != JsonValueKind.Null);
        Assert.False(await events.MoveNextAsync());
        Assert.Equal(seen.Count, seen.Select(e => e.EventId).Distinct().Count());

        // Reconnecting with the last id: the session has ended as the client saw it, so 204 (EventSource stops there).
        using (var again = await OpenAsync(session.Id, tenant.ClientApp, seen[^1].EventId))
        {
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }

        // With an older id, or none: the final state once, then the end.
        using (var behind = await OpenAsync(session.Id, tenant.ClientApp, first.EventId))
        {
            var replay = await ReadAllAsync(behind);
            Assert.Equal([seen[^1].EventId], replay.Select(e => e.EventId));
        }
    }

    [Fact]
    public async Task The_server_sees_results_in_its_events_and_another_tenant_or_no_credentials_are_refused()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel, Echo);
        var token = await ApiTenants.ApiTokenAsync(system, tenant, Cancel);
        var session = await new SessionClient(system.Gateway, tenant.ClientId, tenant.AppKey).OpenAsync(Echo, Cancel);
        var submitted = await session.SubmitAsync("greeting", new { name = "Ana" }, Cancel);

        using var stream = await OpenAsync(session.Id, token);
        var events = await ReadAllAsync(stream);
        var final = JsonDocument.Parse(events.Last(e => e.EventType == "session").Data).RootElement;
        Assert.Equal("COMPLETED", final.GetProperty("status").GetString());
        var step = Assert.Single(final.GetProperty("steps").EnumerateArray());
        Assert.Equal(submitted.StepId.ToString(), step.GetProperty("step_id").GetString());
        Assert.Equal("Hello, Ana!", step.GetProperty("result").GetProperty("greeting").GetString());

        var other = await ApiTenants.CreateAsync(system, Cancel, Echo);
        await Problems.AssertAsync(await OpenAsync(session.Id, other.ClientApp), HttpStatusCode.NotFound, "SESSION_NOT_FOUND", Cancel);
        await Problems.AssertAsync(await OpenAsync(session.Id, await ApiTenants.ApiTokenAsync(system, other, Cancel)), HttpStatusCode.NotFound, "SESSION_NOT_FOUND", Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, (await OpenAsync(session.Id, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await OpenAsync(session.Id, new AuthenticationHeaderValue("Bearer", "x.y.z"))).StatusCode);
    }

    private async Task<HttpResponseMessage> OpenAsync(Guid sessionId, AuthenticationHeaderValue? auth, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/sessions/{sessionId}/events");
        request.Headers.Authorization = auth;
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return await system.Gateway.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
    }

    private async Task<List<SseItem<string>>> ReadAllAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var all = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(Cancel)).EnumerateAsync(Cancel))
        {
            if (item.EventType == "session")
            {
                all.Add(item);
            }
        }

        return all;
    }

    private static async Task<SseItem<string>> NextSessionEventAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        while (await events.MoveNextAsync())
        {
            if (events.Current.EventType == "session")
            {
                return events.Current;
            }
        }

        throw new InvalidOperationException("The event stream ended before the next session event.");
    }

    private static string? Status(SseItem<string> item) => JsonDocument.Parse(item.Data).RootElement.GetProperty("status").GetString();
}
