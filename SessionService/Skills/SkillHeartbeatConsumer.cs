using Finqware.Contracts.Skills;
using Finqware.ServiceDefaults.Messaging;
using Finqware.SessionService.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Skills;

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
