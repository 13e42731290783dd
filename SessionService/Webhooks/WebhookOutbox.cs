using System.Text.Json;
using Finqware.ServiceDefaults.Json;
using Finqware.SessionService.Access;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Webhooks;

/// <summary>The body of every webhook: what happened, to which session and step. Results are read with the API token.</summary>
public sealed record WebhookEvent(Guid EventId, string Type, DateTimeOffset CreatedAt, string ClientId, Guid SessionId, string SessionStatus, Guid? StepId, string? Step, string? StepStatus);

/// <summary>Records webhook events in the caller's unit of work, so they are committed with the change they report.</summary>
public sealed class WebhookOutbox(SessionDbContext db, TenantAccess tenants, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = ApiJson.Create();

    public async Task EnqueueAsync(Session session, string type, Step? step, CancellationToken cancellationToken)
    {
        var tenant = await tenants.TenantAsync(session.ClientId, cancellationToken);
        if (tenant?.WebhookUrl is not { Length: > 0 } url)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        var body = new WebhookEvent(id, type, now, session.ClientId, session.Id, session.Status, step?.Id, step?.Name, step?.Status);
        db.WebhookDeliveries.Add(new WebhookDelivery
        {
            Id = id,
            ClientId = session.ClientId,
            SessionId = session.Id,
            EventType = type,
            Payload = JsonSerializer.Serialize(body, Json),
            Url = url,
            Status = WebhookStatus.Pending,
            NextAttemptAt = now,
            CreatedAt = now,
        });
    }
}
