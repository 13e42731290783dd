namespace Finqware.SessionService.Uploads;

/// <summary>
/// A document uploaded for a step. Its bytes live in the same sessiondb row but are a separate entity
/// (<see cref="AttachmentContent"/>, table splitting): sessions load their steps' attachments on every read, submit and
/// outcome, and a KYC step's three documents are up to 15 MB that only the connector's fetch needs.
/// </summary>
public sealed class Attachment
{
    public required Guid Id { get; init; }

    public required Guid StepId { get; init; }

    public required Guid SessionId { get; init; }

    public required string Kind { get; init; }

    /// <summary>Detected from the first bytes, never taken from the client's header.</summary>
    public required string ContentType { get; init; }

    public required long Size { get; init; }

    /// <summary>SHA-256 of the content, lowercase hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The bytes: set when the attachment is added, loaded only when asked for (<c>Include</c>).</summary>
    public AttachmentContent? Content { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}
