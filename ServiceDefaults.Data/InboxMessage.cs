namespace Finqware.ServiceDefaults.Data;

/// <summary>Remembers which messages a consumer has already handled, so redeliveries change nothing.</summary>
public sealed class InboxMessage
{
    public required Guid MessageId { get; init; }

    public required string Consumer { get; init; }

    public required DateTimeOffset ProcessedAt { get; init; }
}
