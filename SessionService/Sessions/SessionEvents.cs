using System.Security.Cryptography;
using System.Text.Json;
using Finqware.ServiceDefaults.Json;

namespace Finqware.SessionService.Sessions;

/// <summary>The events of <c>GET /sessions/{session_id}/events</c> (docs/sessions.md, "Follow the session as events").</summary>
public static class SessionEvents
{
    /// <summary>The session as GET /sessions/{session_id} answers it now, for the same caller.</summary>
    public const string Session = "session";

    /// <summary>Nothing changed for a while: keeps proxies and load balancers from closing the stream.</summary>
    public const string Heartbeat = "heartbeat";

    private static readonly JsonSerializerOptions Json = ApiJson.Create();

    /// <summary>
    /// The event id of a session event: a digest of what it says, so a client that reconnects with it as
    /// <c>Last-Event-ID</c> is sent the state again only if it changed.
    /// </summary>
    public static string IdOf(SessionView view) =>
        Base64UrlEncode(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(view, Json)).AsSpan(0, 16));

    private static string Base64UrlEncode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}

/// <summary>The data of a <c>heartbeat</c> event.</summary>
public sealed record SessionHeartbeat(DateTimeOffset At);
