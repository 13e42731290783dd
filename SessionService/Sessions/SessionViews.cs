using Finqware.SessionService.Steps;

namespace Finqware.SessionService.Sessions;

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
