using Finqware.Contracts.Tenants;
using Finqware.TenantService.Infrastructure;

namespace Finqware.TenantService.Tenants;

/// <summary>How SessionService learns of a tenant's changes: every change bumps its version and publishes it through the outbox.</summary>
internal static class TenantChanges
{
    /// <summary>A new version of the tenant, published as <see cref="TenantUpserted"/> when the change commits (webhook keys sealed, the other keys as hashes).</summary>
    public static void Publish(TenantDbContext db, Tenant tenant, DateTimeOffset now)
    {
        tenant.UpdatedAt = now;
        tenant.Version++;
        db.PublishOnCommit(TenantRegistryApi.Upserted(tenant, now));
    }
}
