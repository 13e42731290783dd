namespace Finqware.SessionService.Uploads;

/// <summary>A document uploaded for a step; its bytes live in sessiondb.</summary>
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

    public required byte[] Content { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}
