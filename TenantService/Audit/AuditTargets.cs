namespace Finqware.TenantService.Audit;

public static class AuditTargets
{
    public const string Servicer = "servicer";
    public const string User = "user";
    public const string Tenant = "tenant";
}
