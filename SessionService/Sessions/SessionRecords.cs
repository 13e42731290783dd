using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Uploads;

namespace Finqware.SessionService.Sessions;

public sealed record OpenSessionRequest(
    [property: Required, MaxLength(64)] string? ClientId,
    [property: Required, MaxLength(256)] string? ClientAppKey,
    [property: Required, MaxLength(128)] string? Skill);

public sealed record OpenSessionResponse(string Nonce, Guid SessionId, string Status, string? NextStep, DateTimeOffset ExpiresAt);

public sealed record SubmitStepRequest(
    [property: Required, MaxLength(64)] string? ClientId,
    [property: Required, MaxLength(4096)] string? Nonce,
    [property: Required, MaxLength(128)] string? Skill,
    [property: Required, MaxLength(128)] string? Step,
    [property: Description("The step's input, valid against its data_schema in the catalog.")] JsonElement Data);

public sealed record SubmitStepResponse(Guid StepId, string Nonce, string Status, IReadOnlyList<string>? MissingUploads, DateTimeOffset ExpiresAt);

/// <summary>
/// A session as its reader may see it. The tenant's server (bearer token) gets results; the client app (its app
/// key) gets statuses, the next action and error codes only.
/// </summary>
public sealed record SessionView(
    Guid SessionId,
    string ClientId,
    string Skill,
    string Status,
    string? NextStep,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<StepView> Steps);

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

public sealed record StepErrorView(string Code, string? Message);

public sealed record AttachmentView(Guid AttachmentId, string Kind, string ContentType, long Size, string Sha256);

public static class SessionViews
{
    public static SessionView ToView(this Session session, IReadOnlyList<string> manifestSteps, Func<Step, IReadOnlyList<string>> missingUploads, bool server) => new(
        session.Id,
        session.ClientId,
        session.Skill,
        session.Status,
        NextStep(session, manifestSteps),
        session.CreatedAt,
        session.UpdatedAt == default ? session.CreatedAt : session.UpdatedAt,
        session.ExpiresAt,
        [.. session.Steps.OrderBy(s => s.Number).Select(s => s.ToView(missingUploads(s), server))]);

    public static StepView ToView(this Step step, IReadOnlyList<string> missingUploads, bool server) => new(
        step.Id,
        step.Name,
        step.Number,
        step.Status,
        step.Action?.RootElement.Clone(),
        server ? step.Result?.RootElement.Clone() : null,
        step.ErrorCode is null ? null : new StepErrorView(step.ErrorCode, server ? step.ErrorMessage : null),
        [.. step.Attachments.OrderBy(a => a.CreatedAt).Select(a => new AttachmentView(a.Id, a.Kind, a.ContentType, a.Size, a.Sha256))],
        step.Status == StepStatus.AwaitingUploads ? missingUploads : null,
        step.CreatedAt,
        step.UpdatedAt == default ? step.CreatedAt : step.UpdatedAt);

    /// <summary>The manifest step the session expects next, or null when none (all submitted, or ended).</summary>
    public static string? NextStep(Session session, IReadOnlyList<string> manifestSteps) =>
        session.IsClosed || session.NextSeq > manifestSteps.Count ? null : manifestSteps[session.NextSeq - 1];
}
