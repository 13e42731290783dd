namespace Finqware.TenantService.Tenants;

public static class TenantStatus
{
    public const string Active = "ACTIVE";
    public const string Removed = "REMOVED";
}
