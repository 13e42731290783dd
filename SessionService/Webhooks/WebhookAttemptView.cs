namespace Finqware.SessionService.Webhooks;

public sealed record WebhookAttemptView(int Number, DateTimeOffset AttemptedAt, int? StatusCode, string? Error, int LatencyMs)
{
    public static WebhookAttemptView Of(WebhookAttempt attempt) =>
        new(attempt.Number, attempt.AttemptedAt, attempt.StatusCode, attempt.Error, attempt.LatencyMs);
}
