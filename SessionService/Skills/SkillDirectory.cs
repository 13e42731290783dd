using Finqware.Contracts.Skills;
using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Skills;

/// <summary>Reads the skill replica: manifests and availability, without calling the catalog.</summary>
public sealed class SkillDirectory(SessionDbContext db, ReplicaCache replicas, IOptions<SkillOptions> options, TimeProvider clock)
{
    /// <summary>The manifest, parsed once and kept in memory (see <see cref="ReplicaCache"/>).</summary>
    public ValueTask<SkillManifest?> FindAsync(string skillId, CancellationToken cancellationToken) =>
        replicas.ManifestAsync(skillId, async () =>
            (await db.Skills.AsNoTracking().FirstOrDefaultAsync(s => s.SkillId == skillId, cancellationToken))?.ToManifest());

    /// <summary>The broker user of the skill's connector (null for a skill unknown, or registered before connectors had one).</summary>
    public ValueTask<string?> ConnectorAsync(string skillId, CancellationToken cancellationToken) =>
        replicas.ConnectorAsync(skillId, () =>
            db.Skills.AsNoTracking().Where(s => s.SkillId == skillId).Select(s => s.Connector).FirstOrDefaultAsync(cancellationToken));

    public async Task<bool> IsAvailableAsync(string skillId, CancellationToken cancellationToken)
    {
        var lastSeen = await replicas.LastHeartbeatAsync(skillId, () =>
            db.SkillInstances.Where(i => i.SkillId == skillId).MaxAsync(i => (DateTimeOffset?)i.LastSeenAt, cancellationToken));
        return lastSeen >= clock.GetUtcNow() - options.Value.LivenessWindow;
    }
}
