namespace Finqware.TenantService.Audit;

public sealed record AuditTarget(string Type, string Id);
