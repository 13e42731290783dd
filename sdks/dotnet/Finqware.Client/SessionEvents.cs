using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Finqware.Client.Generated.Models;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Serialization.Json;

namespace Finqware.Client.Generated;

public partial class FinqwareApiClient
{
    /// <summary>
    /// Follows a session as Server-Sent Events (<c>GET /sessions/{session_id}/events</c>): each <c>session</c> event as the
    /// session this client may read (the client app sees statuses, the server results too), until the session ends or
    /// the stream closes (after 10 minutes: call again with the last event's <see cref="SessionEvent.EventId"/>, and miss
    /// nothing). Heartbeats are skipped. Nothing at all when <paramref name="lastEventId"/> is the end already seen (204).
    /// A refusal throws <see cref="Problem"/>, as every call of this client does.
    /// </summary>
    public async IAsyncEnumerable<SessionEvent> FollowSessionAsync(
        Guid sessionId, string? lastEventId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = Sessions[sessionId].Events.ToGetRequestInformation(configuration =>
        {
            if (lastEventId is not null)
            {
                configuration.Headers.Add("Last-Event-ID", lastEventId);
            }
        });
        var errors = new Dictionary<string, ParsableFactory<IParsable>> { ["XXX"] = Problem.CreateFromDiscriminatorValue };
        await using var stream = await RequestAdapter.SendPrimitiveAsync<Stream>(request, errors, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            yield break;
        }

        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            if (item.EventType == "session")
            {
                var session = await KiotaJsonSerializer.DeserializeAsync(item.Data, SessionView.CreateFromDiscriminatorValue, cancellationToken).ConfigureAwait(false);
                yield return new SessionEvent(item.EventId ?? "", session!);
            }
        }
    }
}

/// <summary>One <c>session</c> event: its id (send it back as <c>lastEventId</c> to resume) and the session it shows.</summary>
public sealed record SessionEvent(string EventId, SessionView Session);
