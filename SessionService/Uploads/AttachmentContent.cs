namespace Finqware.SessionService.Uploads;

/// <summary>An attachment's bytes: the <c>content</c> column of its row in <c>attachments</c>.</summary>
public sealed class AttachmentContent
{
    public required Guid Id { get; init; }

    public required byte[] Bytes { get; init; }
}
