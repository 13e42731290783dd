namespace Finqware.SessionService.Infrastructure;

/// <summary>How long the in-memory replicas are trusted (<see cref="ReplicaCache"/>), checked at start.</summary>
public sealed class ReplicaCacheOptions
{
    public const string Section = "Replicas";

    /// <summary>
    /// How long this instance trusts its in-memory copy of a tenant or a skill. The consumers of TenantUpserted,
    /// TenantRemoved, SkillRegistered and SkillHeartbeat drop the copy at once in the instance that consumed the
    /// event; other instances see the change within this time.
    /// </summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a skill's last heartbeat is trusted before it is read again (availability moves faster).</summary>
    public TimeSpan HeartbeatDuration { get; set; } = TimeSpan.FromSeconds(1);
}
