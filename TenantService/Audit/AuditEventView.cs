using System.Text.Json;

namespace Finqware.TenantService.Audit;

public sealed record AuditEventView(Guid EventId, DateTimeOffset OccurredAt, string Action, AuditActor Actor, AuditTarget Target, JsonElement? Details, string? IpAddress, string? UserAgent)
{
    public static AuditEventView From(AuditEvent e) => new(
        e.Id, e.OccurredAt, e.Action, new AuditActor(e.ActorUserId, e.ActorEmail), new AuditTarget(e.TargetType, e.TargetId),
        e.Details?.RootElement.Clone(), e.IpAddress, e.UserAgent);
}
