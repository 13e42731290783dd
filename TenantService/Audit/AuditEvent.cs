using System.Text.Json;

namespace Finqware.TenantService.Audit;

/// <summary>
/// One change to a servicer's credentials, users, roles, tenants' skills or webhooks: who did it, what, when and from
/// which address. Written in the transaction of the change, never changed afterwards; never holds a secret's value.
/// </summary>
public sealed class AuditEvent
{
    public required Guid Id { get; init; }

    /// <summary>Given by the database in insert order: orders and pages the log (UUIDv7 ids made in one millisecond do not).</summary>
    public long Seq { get; init; }

    public required Guid ServicerId { get; init; }

    /// <summary>The servicer user who made the change.</summary>
    public required Guid ActorUserId { get; init; }

    /// <summary>Their email at the time (users can be removed; the log keeps who they were).</summary>
    public required string ActorEmail { get; init; }

    /// <summary>One of <see cref="AuditActions"/>.</summary>
    public required string Action { get; init; }

    /// <summary>servicer, user or tenant.</summary>
    public required string TargetType { get; init; }

    public required string TargetId { get; init; }

    /// <summary>What changed (before and after for a change; the new values for a creation), snake_case; no secret values.</summary>
    public JsonDocument? Details { get; init; }

    /// <summary>The client's address as this service saw it (forwarded headers are trusted from known proxies only).</summary>
    public string? IpAddress { get; init; }

    public string? UserAgent { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }
}
