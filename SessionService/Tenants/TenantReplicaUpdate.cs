using Finqware.Contracts.Tenants;
using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tenants;

/// <summary>Applies what TenantService says of a tenant to the replica, from its event or from a read-through: newer versions only.</summary>
public static class TenantReplicaUpdate
{
    /// <summary>True when the replica changed (the tenant was new, or this is a newer version).</summary>
    public static async Task<bool> ApplyAsync(SessionDbContext db, TenantUpserted message, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.ClientId == message.ClientId, cancellationToken);
        if (tenant is null)
        {
            tenant = new TenantReplica { ClientId = message.ClientId };
            db.Tenants.Add(tenant);
        }
        else if (tenant.Version >= message.Version)
        {
            return false;
        }

        tenant.ServicerId = message.ServicerId;
        tenant.Environment = message.Environment;
        tenant.Skills = [.. message.Skills];
        tenant.Status = message.Status;
        tenant.WebhookUrl = message.WebhookUrl;
        tenant.RedirectUris = [.. message.RedirectUris];
        tenant.Keys = [.. message.Keys];
        tenant.WebhookKeys = [.. message.WebhookKeys];
        tenant.Version = message.Version;
        tenant.UpdatedAt = message.UpdatedAt;
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
