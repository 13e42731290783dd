using System.Text.Json;
using Finqware.CatalogService.Infrastructure;
using Finqware.Contracts.Skills;
using Finqware.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.CatalogService.Skills;

/// <summary>
/// Takes a connector's announcement into the catalog: a valid manifest from the connector registered for its provider
/// (<see cref="ConnectorRegistry"/>, by the broker's validated user) is upserted and passed on as
/// <see cref="SkillRegistered"/>; an invalid one, or one from another connector, is logged and dead-lettered, and nothing
/// else in the catalog changes.
/// </summary>
public sealed partial class SkillAnnouncedConsumer(CatalogDbContext db, ConnectorRegistry registry, TimeProvider clock, ILogger<SkillAnnouncedConsumer> logger)
    : IConsumer<SkillAnnounced>
{
    /// <summary>Its queue; no inbox: an announcement is an upsert of the manifest, and passing it on again is harmless.</summary>
    public sealed class Definition() : QueueConsumerDefinition<SkillAnnouncedConsumer>("catalog-skill-announced");

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public async Task Consume(ConsumeContext<SkillAnnounced> context)
    {
        var manifest = context.Message.Manifest;
        var problems = await ManifestValidator.ValidateAsync(manifest);
        if (problems.Count > 0)
        {
            LogRejected(logger, manifest.SkillId, context.Message.InstanceId, string.Join("; ", problems));
            throw new InvalidManifestException(manifest.SkillId, problems);
        }

        var connector = BrokerSender.Of(context);
        var record = await db.Skills.FirstOrDefaultAsync(s => s.SkillId == manifest.SkillId, context.CancellationToken);
        if (registry.Refusal(connector, manifest.Provider, record) is { } refusal)
        {
            LogRefused(logger, manifest.SkillId, manifest.Provider, context.Message.InstanceId, refusal);
            throw new ConnectorNotAllowedException(manifest.SkillId, refusal);
        }

        var now = clock.GetUtcNow();
        var steps = JsonSerializer.Serialize(manifest.Steps, Json);
        var changed = record is null || record.Connector != connector || record.Steps != steps || record.Version != manifest.Version || record.DisplayName != manifest.DisplayName
            || record.Description != manifest.Description || record.Type != manifest.Type || record.Flavor != manifest.Flavor
            || record.Provider != manifest.Provider || !record.DataProducts.SequenceEqual(manifest.DataProducts);
        if (record is null)
        {
            record = new SkillRecord
            {
                SkillId = manifest.SkillId,
                Provider = manifest.Provider,
                Connector = connector,
                DisplayName = manifest.DisplayName,
                Description = manifest.Description,
                Type = manifest.Type,
                Flavor = manifest.Flavor,
                Version = manifest.Version,
                Steps = steps,
                UpdatedAt = now,
            };
            db.Skills.Add(record);
        }

        if (changed)
        {
            record.Provider = manifest.Provider;
            record.Connector = connector;
            record.DisplayName = manifest.DisplayName;
            record.Description = manifest.Description;
            record.Type = manifest.Type;
            record.Flavor = manifest.Flavor;
            record.Version = manifest.Version;
            record.Steps = steps;
            record.DataProducts = [.. manifest.DataProducts];
            record.UpdatedAt = now;
            LogRegistered(logger, manifest.SkillId, manifest.Version);
        }

        // Every accepted announcement is passed on, changed or not: a replica that started empty (a new SessionService
        // database) catches up at the next announcement.
        db.PublishOnCommit(new SkillRegistered { Manifest = manifest, Connector = connector!, RegisteredAt = now });

        await db.SaveChangesAsync(context.CancellationToken);
        await SkillHeartbeatConsumer.TouchAsync(db, [manifest.SkillId], context.Message.InstanceId, now, context.CancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Rejected the manifest of {SkillId} announced by {InstanceId}: {Problems}. The message goes to the error queue; fix the connector's manifest.")]
    private static partial void LogRejected(ILogger logger, string skillId, string instanceId, string problems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused the announcement of {SkillId} (provider {Provider}) by {InstanceId}: {Reason}. The message goes to the error queue.")]
    private static partial void LogRefused(ILogger logger, string skillId, string provider, string instanceId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered skill {SkillId} version {Version}")]
    private static partial void LogRegistered(ILogger logger, string skillId, string version);
}

/// <summary>Keeps the catalog's view of running connector instances: seen now, or gone when they say goodbye.</summary>
public sealed class SkillHeartbeatConsumer(CatalogDbContext db, TimeProvider clock) : IConsumer<SkillHeartbeat>
{
    /// <summary>Its queue; no inbox: a heartbeat is an upsert of the latest time seen, the same however often it comes.</summary>
    public sealed class Definition() : QueueConsumerDefinition<SkillHeartbeatConsumer>("catalog-skill-heartbeat");

    public async Task Consume(ConsumeContext<SkillHeartbeat> context)
    {
        var beat = context.Message;
        var connector = BrokerSender.Of(context);
        if (beat.Stopping)
        {
            var own = db.Skills.Where(s => s.Connector == connector).Select(s => s.SkillId);
            await db.SkillInstances.Where(i => i.InstanceId == beat.InstanceId && own.Contains(i.SkillId)).ExecuteDeleteAsync(context.CancellationToken);
            return;
        }

        // Only skills the catalog accepted get instances, and only from the connector they belong to: a rejected
        // manifest's heartbeats, or another connector's, change nothing.
        var known = await db.Skills.Where(s => beat.SkillIds.Contains(s.SkillId) && s.Connector == connector).Select(s => s.SkillId).ToListAsync(context.CancellationToken);
        await TouchAsync(db, known, beat.InstanceId, clock.GetUtcNow(), context.CancellationToken);
    }

    internal static async Task TouchAsync(CatalogDbContext db, IReadOnlyList<string> skillIds, string instanceId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var skillId in skillIds)
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                INSERT INTO skill_instances (skill_id, instance_id, last_seen_at) VALUES ({skillId}, {instanceId}, {now})
                ON CONFLICT (skill_id, instance_id) DO UPDATE SET last_seen_at = GREATEST(skill_instances.last_seen_at, excluded.last_seen_at)
                """,
                cancellationToken);
        }

        // Instances silent for an hour are forgotten.
        var forgotten = now - TimeSpan.FromHours(1);
        await db.SkillInstances.Where(i => i.LastSeenAt < forgotten).ExecuteDeleteAsync(cancellationToken);
    }
}
