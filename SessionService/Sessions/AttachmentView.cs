namespace Finqware.SessionService.Sessions;

public sealed record AttachmentView(Guid AttachmentId, string Kind, string ContentType, long Size, string Sha256);
