using System.Text.Json;
using Finqware.ServiceDefaults.Json;
using Finqware.SessionService.Access;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;

namespace Finqware.SessionService.Webhooks;

/// <summary>Records webhook events in the caller's unit of work, so they are committed with the change they report.</summary>
public sealed class WebhookOutbox(SessionDbContext db, TenantAccess tenants, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = ApiJson.Create();

    public async Task EnqueueAsync(Session session, string type, Step? step, CancellationToken cancellationToken)
    {
        if (await CreateAsync(session, type, step, cancellationToken) is { } delivery)
        {
            db.WebhookDeliveries.Add(delivery);
        }
    }

    /// <summary>Records an event for the tenant (nothing when it has no webhook URL); <paramref name="body"/> gets the event id and time.</summary>
    public async Task EnqueueAsync(string clientId, Guid? sessionId, string type, Func<Guid, DateTimeOffset, object> body, CancellationToken cancellationToken)
    {
        if (await CreateAsync(clientId, sessionId, type, body, cancellationToken) is { } delivery)
        {
            db.WebhookDeliveries.Add(delivery);
        }
    }

    /// <summary>The delivery of a session event, for a caller that writes it itself (null when the tenant has no webhook URL).</summary>
    public Task<WebhookDelivery?> CreateAsync(Session session, string type, Step? step, CancellationToken cancellationToken) =>
        CreateAsync(session.ClientId, session.Id, type,
            (id, now) => new WebhookEvent(id, type, now, session.ClientId, session.Id, session.Status, step?.Id, step?.Name, step?.Status),
            cancellationToken);

    private async Task<WebhookDelivery?> CreateAsync(string clientId, Guid? sessionId, string type, Func<Guid, DateTimeOffset, object> body, CancellationToken cancellationToken)
    {
        var tenant = await tenants.TenantAsync(clientId, cancellationToken);
        if (tenant?.WebhookUrl is not { Length: > 0 } url)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        var payload = body(id, now);
        return new WebhookDelivery
        {
            Id = id,
            ClientId = clientId,
            SessionId = sessionId,
            EventType = type,
            Payload = JsonSerializer.Serialize(payload, payload.GetType(), Json),
            Url = url,
            Status = WebhookStatus.Pending,
            NextAttemptAt = now,
            CreatedAt = now,
        };
    }
}
