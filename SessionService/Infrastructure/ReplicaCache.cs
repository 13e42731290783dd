using System.Collections.Concurrent;
using Finqware.Contracts.Skills;
using Finqware.SessionService.Tenants;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Infrastructure;

/// <summary>
/// In-memory copies of the tenant and skill replicas, so the request path reads no replica table: a tenant as its
/// row, a skill's manifest already parsed, and the latest heartbeat of any instance of a skill. Loaded from the
/// database on a miss; dropped by the consumers that change the rows, and trusted for a short time only (several
/// instances each consume a share of the events). Unknown tenants and skills are not remembered.
/// </summary>
public sealed class ReplicaCache(IOptions<ReplicaCacheOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry<TenantReplica>> tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry<CachedSkill>> skills = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry<DateTimeOffset?>> heartbeats = new(StringComparer.Ordinal);
    private long generation;

    public ValueTask<TenantReplica?> TenantAsync(string clientId, Func<Task<TenantReplica?>> load) =>
        GetAsync(tenants, clientId, options.Value.Duration, load);

    /// <summary>A skill's manifest and its connector, read together (a step sent and its outcome checked, one read).</summary>
    public ValueTask<CachedSkill?> SkillAsync(string skillId, Func<Task<CachedSkill?>> load) =>
        GetAsync(skills, skillId, options.Value.Duration, load);

    /// <summary>The latest heartbeat of any instance of the skill (null when none is recorded).</summary>
    public async ValueTask<DateTimeOffset?> LastHeartbeatAsync(string skillId, Func<Task<DateTimeOffset?>> load)
    {
        if (heartbeats.TryGetValue(skillId, out var entry) && entry.IsFresh(options.Value.HeartbeatDuration))
        {
            return entry.Value;
        }

        var seen = Interlocked.Read(ref generation);
        var value = await load();
        if (Interlocked.Read(ref generation) == seen)
        {
            heartbeats[skillId] = new Entry<DateTimeOffset?>(value, Environment.TickCount64);
        }

        return value;
    }

    public void ForgetTenant(string clientId)
    {
        Interlocked.Increment(ref generation);
        tenants.TryRemove(clientId, out _);
    }

    public void ForgetSkill(string skillId)
    {
        Interlocked.Increment(ref generation);
        skills.TryRemove(skillId, out _);
        heartbeats.TryRemove(skillId, out _);
    }

    /// <summary>A heartbeat consumed here: the skill's latest heartbeat is at least <paramref name="at"/>.</summary>
    public void Heartbeat(string skillId, DateTimeOffset at) =>
        heartbeats.AddOrUpdate(skillId, _ => new Entry<DateTimeOffset?>(at, Environment.TickCount64),
            (_, old) => old.Value is { } known && known >= at ? old : new Entry<DateTimeOffset?>(at, old.LoadedAt));

    private async ValueTask<T?> GetAsync<T>(ConcurrentDictionary<string, Entry<T>> entries, string key, TimeSpan duration, Func<Task<T?>> load)
        where T : class
    {
        if (entries.TryGetValue(key, out var entry) && entry.IsFresh(duration))
        {
            return entry.Value;
        }

        // An event consumed while the row was being read may have changed it: then the copy is not kept.
        var seen = Interlocked.Read(ref generation);
        var value = await load();
        if (value is not null && Interlocked.Read(ref generation) == seen)
        {
            entries[key] = new Entry<T>(value, Environment.TickCount64);
        }

        return value;
    }

    private sealed record Entry<T>(T Value, long LoadedAt)
    {
        public bool IsFresh(TimeSpan duration) => Environment.TickCount64 - LoadedAt < duration.TotalMilliseconds;
    }
}
