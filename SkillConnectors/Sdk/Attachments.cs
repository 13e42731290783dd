using Finqware.Contracts.Sessions;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>Reads uploaded documents from SessionService's internal endpoint.</summary>
public interface IAttachmentReader
{
    Task<Stream> OpenAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken);
}

/// <summary>
/// <c>GET http://sessions/internal/attachments/{id}</c> (service discovery), with the shared internal key in
/// <c>X-Finqware-Internal-Key</c>; the gateway never routes <c>/internal</c>, so tenants cannot reach it.
/// </summary>
public sealed class HttpAttachmentReader(HttpClient http, IOptions<ConnectorOptions> options) : IAttachmentReader
{
    public const string InternalKeyHeader = "X-Finqware-Internal-Key";

    public async Task<Stream> OpenAsync(AttachmentDescriptor attachment, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/internal/attachments/{attachment.AttachmentId}", UriKind.Relative));
        if (options.Value.InternalKey is { Length: > 0 } key)
        {
            request.Headers.Add(InternalKeyHeader, key);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new InvalidOperationException($"Attachment {attachment.AttachmentId} could not be read: SessionService answered {(int)response.StatusCode}.");
        }

        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }
}

public sealed class ConnectorOptions
{
    public const string Section = "Connector";

    /// <summary>How often each instance tells the catalog it is alive.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Manifests are announced again this often, so services that start later (or lost state) catch up.</summary>
    public TimeSpan ReannounceInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Tell the catalog when stopping, so the skill turns UNAVAILABLE at once (rather than after the liveness window).</summary>
    public bool SayGoodbye { get; set; } = true;

    /// <summary>How long the goodbye may wait for the broker before the connector stops without it.</summary>
    public TimeSpan GoodbyeTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often each instance looks for due follow-ups (<see cref="StepOutcome.ThenFollowUp"/>).</summary>
    public TimeSpan FollowUpPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A follow-up that throws is tried again after this long.</summary>
    public TimeSpan FollowUpRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A step's handler ran, but the broker did not take what it published, or the database did not store its outcome (a
    /// restart, a dropped connection): the SDK tries again, with backoff, this long before it gives the step up (so the
    /// broker's redelivery runs the handler again).
    /// </summary>
    public TimeSpan OutcomeRetryFor { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long handlers in flight may go on after the connector starts shutting down before their token is cancelled.</summary>
    public TimeSpan StepStopGrace { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Shared with SessionService to read attachments.</summary>
    public string? InternalKey { get; set; }

    /// <summary>A stable id of this process (default: a new one per start).</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
}
