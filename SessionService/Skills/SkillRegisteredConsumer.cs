using System.Text.Json;
using Finqware.Contracts.Skills;
using Finqware.ServiceDefaults.Messaging;
using Finqware.SessionService.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Skills;

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
            db.Skills.Add(new SkillReplica
            {
                SkillId = manifest.SkillId,
                Manifest = JsonSerializer.Serialize(manifest, SkillJson.Options),
                Connector = context.Message.Connector,
                RegisteredAt = context.Message.RegisteredAt,
            });
        }
        else if (skill.RegisteredAt <= context.Message.RegisteredAt)
        {
            skill.Manifest = JsonSerializer.Serialize(manifest, SkillJson.Options);
            skill.Connector = context.Message.Connector;
            skill.RegisteredAt = context.Message.RegisteredAt;
        }

        await db.SaveChangesAsync(context.CancellationToken);
        replicas.ForgetSkill(manifest.SkillId);
    }
}
