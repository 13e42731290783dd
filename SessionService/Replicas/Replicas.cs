using System.Text.Json;
using Finqware.Contracts.Skills;
using Finqware.Contracts.Tenants;
using Finqware.SessionService.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Replicas;

/// <summary>SessionService's copy of a tenant, kept from TenantService's events; enough to authenticate client apps.</summary>
public sealed class TenantReplica
{
    public required string ClientId { get; init; }

    public required Guid ServicerId { get; set; }

    public required string Environment { get; set; }

    public List<string> Skills { get; set; } = [];

    /// <summary>ACTIVE or REMOVED.</summary>
    public required string Status { get; set; }

    public string? WebhookUrl { get; set; }

    /// <summary>The key hashes (JSON list of kind, sha256, valid_until).</summary>
    public required string Keys { get; set; }

    public required long Version { get; set; }

    public IReadOnlyList<TenantKeyHash> KeyHashes => JsonSerializer.Deserialize<List<TenantKeyHash>>(Keys, ReplicaJson.Options) ?? [];
}

/// <summary>A skill the catalog accepted, with its manifest.</summary>
public sealed class SkillReplica
{
    public required string SkillId { get; init; }

    public required string Manifest { get; set; }

    public required DateTimeOffset RegisteredAt { get; set; }

    public SkillManifest ToManifest() => JsonSerializer.Deserialize<SkillManifest>(Manifest, ReplicaJson.Options)!;
}

/// <summary>A connector instance serving a skill, as its heartbeats say.</summary>
public sealed class SkillInstanceReplica
{
    public required string SkillId { get; init; }

    public required string InstanceId { get; init; }

    public required DateTimeOffset LastSeenAt { get; set; }
}

internal static class ReplicaJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

/// <summary>Applies tenant changes in version order: an older copy arriving late changes nothing.</summary>
public sealed class TenantUpsertedConsumer(SessionDbContext db) : IConsumer<TenantUpserted>, IConsumer<TenantRemoved>
{
    public async Task Consume(ConsumeContext<TenantUpserted> context)
    {
        var message = context.Message;
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.ClientId == message.ClientId, context.CancellationToken);
        if (tenant is not null && tenant.Version >= message.Version)
        {
            return;
        }

        if (tenant is null)
        {
            tenant = new TenantReplica { ClientId = message.ClientId, ServicerId = message.ServicerId, Environment = message.Environment, Status = message.Status, Keys = "[]", Version = 0 };
            db.Tenants.Add(tenant);
        }

        tenant.ServicerId = message.ServicerId;
        tenant.Environment = message.Environment;
        tenant.Skills = [.. message.Skills];
        tenant.Status = message.Status;
        tenant.WebhookUrl = message.WebhookUrl;
        tenant.Keys = JsonSerializer.Serialize(message.Keys, ReplicaJson.Options);
        tenant.Version = message.Version;
        await SaveIgnoringRaceAsync(db, context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<TenantRemoved> context)
    {
        var message = context.Message;
        await db.Tenants.Where(t => t.ClientId == message.ClientId && t.Version < message.Version)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Status, "REMOVED").SetProperty(x => x.Keys, "[]").SetProperty(x => x.Version, message.Version), context.CancellationToken);
    }

    /// <summary>Two copies inserting the same tenant at once: the loser throws, MassTransit retries, and the version check settles it.</summary>
    private static Task SaveIgnoringRaceAsync(SessionDbContext db, CancellationToken cancellationToken) => db.SaveChangesAsync(cancellationToken);
}

/// <summary>Keeps the manifests the catalog accepted and the instances that heartbeat.</summary>
public sealed class SkillReplicaConsumer(SessionDbContext db, TimeProvider clock) : IConsumer<SkillRegistered>, IConsumer<SkillHeartbeat>
{
    public async Task Consume(ConsumeContext<SkillRegistered> context)
    {
        var manifest = context.Message.Manifest;
        var json = JsonSerializer.Serialize(manifest, ReplicaJson.Options);
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO skill_replicas (skill_id, manifest, registered_at) VALUES ({manifest.SkillId}, {json}::jsonb, {context.Message.RegisteredAt})
            ON CONFLICT (skill_id) DO UPDATE SET manifest = excluded.manifest, registered_at = excluded.registered_at
            WHERE skill_replicas.registered_at <= excluded.registered_at
            """,
            context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<SkillHeartbeat> context)
    {
        var beat = context.Message;
        if (beat.Stopping)
        {
            await db.SkillInstances.Where(i => i.InstanceId == beat.InstanceId).ExecuteDeleteAsync(context.CancellationToken);
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var skillId in beat.SkillIds)
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO skill_instance_replicas (skill_id, instance_id, last_seen_at) VALUES ({skillId}, {beat.InstanceId}, {now})
                ON CONFLICT (skill_id, instance_id) DO UPDATE SET last_seen_at = excluded.last_seen_at
                """,
                context.CancellationToken);
        }
    }
}
