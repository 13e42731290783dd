namespace Finqware.SessionService.Webhooks;

/// <summary>The body of every webhook: what happened, to which session and step. Results are read with the API token.</summary>
public sealed record WebhookEvent(Guid EventId, string Type, DateTimeOffset CreatedAt, string ClientId, Guid SessionId, string SessionStatus, Guid? StepId, string? Step, string? StepStatus);
