using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Messaging;
using Finqware.SessionService.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tenants;

/// <summary>Keeps the tenant replica; an event older than what the replica holds (by version) changes nothing.</summary>
public sealed class TenantUpsertedConsumer(SessionDbContext db, ReplicaCache replicas) : IConsumer<TenantUpserted>
{
    /// <summary>Its queue; no inbox: a copy no newer than the replica (by version) changes nothing.</summary>
    public sealed class Definition() : QueueConsumerDefinition<TenantUpsertedConsumer>("sessions-tenant-upserted");

    public async Task Consume(ConsumeContext<TenantUpserted> context)
    {
        var message = context.Message;
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.ClientId == message.ClientId, context.CancellationToken);
        if (tenant is null)
        {
            tenant = new TenantReplica { ClientId = message.ClientId };
            db.Tenants.Add(tenant);
        }
        else if (tenant.Version >= message.Version)
        {
            return;
        }

        tenant.ServicerId = message.ServicerId;
        tenant.Environment = message.Environment;
        tenant.Skills = [.. message.Skills];
        tenant.Status = message.Status;
        tenant.WebhookUrl = message.WebhookUrl;
        tenant.Keys = [.. message.Keys];
        tenant.WebhookKeys = [.. message.WebhookKeys];
        tenant.Version = message.Version;
        tenant.UpdatedAt = message.UpdatedAt;
        await db.SaveChangesAsync(context.CancellationToken);
        replicas.ForgetTenant(message.ClientId);
    }
}
