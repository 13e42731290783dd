using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Messaging;
using Finqware.SessionService.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Tenants;

public sealed class TenantRemovedConsumer(SessionDbContext db, ReplicaCache replicas) : IConsumer<TenantRemoved>
{
    /// <summary>Its queue; no inbox: a copy no newer than the replica (by version) changes nothing.</summary>
    public sealed class Definition() : QueueConsumerDefinition<TenantRemovedConsumer>("sessions-tenant-removed");

    public async Task Consume(ConsumeContext<TenantRemoved> context)
    {
        var message = context.Message;
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.ClientId == message.ClientId, context.CancellationToken);
        if (tenant is null)
        {
            tenant = new TenantReplica { ClientId = message.ClientId, ServicerId = message.ServicerId };
            db.Tenants.Add(tenant);
        }
        else if (tenant.Version >= message.Version)
        {
            return;
        }

        tenant.Status = "REMOVED";
        tenant.Keys = [];
        tenant.WebhookKeys = [];
        tenant.Skills = [];
        tenant.Version = message.Version;
        tenant.UpdatedAt = message.RemovedAt;
        await db.SaveChangesAsync(context.CancellationToken);
        replicas.ForgetTenant(message.ClientId);
    }
}
