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
        if (await TenantReplicaUpdate.ApplyAsync(db, context.Message, context.CancellationToken))
        {
            replicas.ForgetTenant(context.Message.ClientId);
        }
    }
}
