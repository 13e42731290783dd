namespace Finqware.TenantService.Audit;

/// <summary>A page of the log; <see cref="NextBefore"/> is the <c>before</c> of the next page, absent on the last.</summary>
public sealed record AuditEventPage(IReadOnlyList<AuditEventView> Events, long? NextBefore);
