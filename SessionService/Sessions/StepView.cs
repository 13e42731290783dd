using System.Text.Json;

namespace Finqware.SessionService.Sessions;

public sealed record StepView(
    Guid StepId,
    string Step,
    int Number,
    string Status,
    JsonElement? Action,
    JsonElement? Result,
    StepErrorView? Error,
    IReadOnlyList<AttachmentView> Attachments,
    IReadOnlyList<string>? MissingUploads,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
