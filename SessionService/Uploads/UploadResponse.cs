namespace Finqware.SessionService.Uploads;

public sealed record UploadResponse(Guid AttachmentId, string Kind, long Size, string Sha256, string ContentType, string StepStatus);
