namespace Finqware.TenantService.Audit;

public sealed record AuditActor(Guid UserId, string Email);
