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
        db.PublishOnCommit(new TenantUpserted
        {
            ClientId = tenant.ClientId,
            ServicerId = tenant.ServicerId,
            Name = tenant.Name,
            Environment = tenant.Environment,
            Skills = tenant.Skills,
            Status = tenant.Status,
            WebhookUrl = tenant.WebhookUrl,
            Keys = tenant.Keys.Where(k => k.IsValidAt(now) && k.Kind != KeyKinds.WebhookSecret)
                .Select(k => new TenantKeyHash { Kind = k.Kind, Sha256 = k.Hash, ValidUntil = k.ValidUntil })
                .ToList(),
            WebhookKeys = tenant.Keys.Where(k => k.IsValidAt(now) && k.SealedSigningKey is not null)
                .Select(k => new SealedWebhookKey { KeyId = k.Id, Sealed = k.SealedSigningKey!, ValidUntil = k.ValidUntil })
                .ToList(),
            Version = tenant.Version,
            UpdatedAt = now,
        });
    }
}
