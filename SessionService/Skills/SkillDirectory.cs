using Finqware.Contracts.Skills;
using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Skills;

/// <summary>Reads the skill replica: manifests and availability, without calling the catalog.</summary>
public sealed class SkillDirectory(SessionDbContext db, ReplicaCache replicas, IOptions<SkillOptions> options, TimeProvider clock)
{
    /// <summary>The manifest, parsed once and kept in memory (see <see cref="ReplicaCache"/>).</summary>
    public async ValueTask<SkillManifest?> FindAsync(string skillId, CancellationToken cancellationToken) =>
        (await LoadAsync(skillId, cancellationToken))?.Manifest;

    /// <summary>The broker user of the skill's connector (null for a skill unknown, or registered before connectors had one).</summary>
    public async ValueTask<string?> ConnectorAsync(string skillId, CancellationToken cancellationToken) =>
        (await LoadAsync(skillId, cancellationToken))?.Connector;

    public async Task<bool> IsAvailableAsync(string skillId, CancellationToken cancellationToken)
    {
        var lastSeen = await replicas.LastHeartbeatAsync(skillId, () =>
            db.SkillInstances.Where(i => i.SkillId == skillId).MaxAsync(i => (DateTimeOffset?)i.LastSeenAt, cancellationToken));
        return lastSeen >= clock.GetUtcNow() - options.Value.LivenessWindow;
    }

    private ValueTask<CachedSkill?> LoadAsync(string skillId, CancellationToken cancellationToken) =>
        replicas.SkillAsync(skillId, async () =>
            await db.Skills.AsNoTracking().FirstOrDefaultAsync(s => s.SkillId == skillId, cancellationToken) is { } skill
                ? new CachedSkill(skill.ToManifest(), skill.Connector)
                : null);
}
