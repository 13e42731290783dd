using System.Text.Json;
using Finqware.Contracts.Skills;
using Finqware.ServiceDefaults.Messaging;
using Finqware.SessionService.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Skills;

/// <summary>A skill's manifest as the catalog registered it (from <see cref="SkillRegistered"/>).</summary>
public sealed class SkillReplica
{
    public required string SkillId { get; init; }

    public required string Manifest { get; set; }

    public DateTimeOffset RegisteredAt { get; set; }

    public SkillManifest ToManifest() => JsonSerializer.Deserialize<SkillManifest>(Manifest, SkillJson.Options)!;
}

/// <summary>A connector instance serving a skill, from its heartbeats: the skill is available while one is recent.</summary>
public sealed class SkillInstance
{
    public required string InstanceId { get; init; }

    public required string SkillId { get; init; }

    public DateTimeOffset LastSeenAt { get; set; }
}

public sealed class SkillOptions
{
    public const string Section = "Skills";

    /// <summary>A skill is available while one of its instances heartbeated within this window (the catalog's rule).</summary>
    public TimeSpan LivenessWindow { get; set; } = TimeSpan.FromSeconds(15);
}

internal static class SkillJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}

public sealed class SkillRegisteredConsumer(SessionDbContext db, ReplicaCache replicas) : IConsumer<SkillRegistered>
{
    /// <summary>Its queue; no inbox: a copy no newer than the replica (by registered_at) changes nothing.</summary>
    public sealed class Definition() : QueueConsumerDefinition<SkillRegisteredConsumer>("sessions-skill-registered");

    public async Task Consume(ConsumeContext<SkillRegistered> context)
    {
        var manifest = context.Message.Manifest;
        var skill = await db.Skills.FirstOrDefaultAsync(s => s.SkillId == manifest.SkillId, context.CancellationToken);
        if (skill is null)
        {
            db.Skills.Add(new SkillReplica { SkillId = manifest.SkillId, Manifest = JsonSerializer.Serialize(manifest, SkillJson.Options), RegisteredAt = context.Message.RegisteredAt });
        }
        else if (skill.RegisteredAt <= context.Message.RegisteredAt)
        {
            skill.Manifest = JsonSerializer.Serialize(manifest, SkillJson.Options);
            skill.RegisteredAt = context.Message.RegisteredAt;
        }

        await db.SaveChangesAsync(context.CancellationToken);
        replicas.ForgetSkill(manifest.SkillId);
    }
}

public sealed class SkillHeartbeatConsumer(SessionDbContext db, ReplicaCache replicas, TimeProvider clock) : IConsumer<SkillHeartbeat>
{
    /// <summary>Its queue; no inbox: a heartbeat is an upsert of the latest time seen, the same however often it comes.</summary>
    public sealed class Definition() : QueueConsumerDefinition<SkillHeartbeatConsumer>("sessions-skill-heartbeat");

    public async Task Consume(ConsumeContext<SkillHeartbeat> context)
    {
        var beat = context.Message;
        if (beat.Stopping)
        {
            await db.SkillInstances.Where(i => i.InstanceId == beat.InstanceId).ExecuteDeleteAsync(context.CancellationToken);
            foreach (var skillId in beat.SkillIds)
            {
                replicas.ForgetSkill(skillId);
            }

            return;
        }

        // Stamped with this service's clock on receipt, so availability never depends on the connector's clock.
        var now = clock.GetUtcNow();
        foreach (var skillId in beat.SkillIds)
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"INSERT INTO skill_instances (instance_id, skill_id, last_seen_at) VALUES ({beat.InstanceId}, {skillId}, {now}) ON CONFLICT (instance_id, skill_id) DO UPDATE SET last_seen_at = GREATEST(skill_instances.last_seen_at, EXCLUDED.last_seen_at)",
                context.CancellationToken);
            replicas.Heartbeat(skillId, now);
        }
    }
}

/// <summary>Reads the skill replica: manifests and availability, without calling the catalog.</summary>
public sealed class SkillDirectory(SessionDbContext db, ReplicaCache replicas, IOptions<SkillOptions> options, TimeProvider clock)
{
    /// <summary>The manifest, parsed once and kept in memory (see <see cref="ReplicaCache"/>).</summary>
    public ValueTask<SkillManifest?> FindAsync(string skillId, CancellationToken cancellationToken) =>
        replicas.ManifestAsync(skillId, async () =>
            (await db.Skills.AsNoTracking().FirstOrDefaultAsync(s => s.SkillId == skillId, cancellationToken))?.ToManifest());

    public async Task<bool> IsAvailableAsync(string skillId, CancellationToken cancellationToken)
    {
        var lastSeen = await replicas.LastHeartbeatAsync(skillId, () =>
            db.SkillInstances.Where(i => i.SkillId == skillId).MaxAsync(i => (DateTimeOffset?)i.LastSeenAt, cancellationToken));
        return lastSeen >= clock.GetUtcNow() - options.Value.LivenessWindow;
    }
}
