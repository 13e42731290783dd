namespace Finqware.Contracts.Skills;

/// <summary>A connector instance started and serves this skill (published at start).</summary>
public sealed record SkillAnnounced
{
    public required string InstanceId { get; init; }

    public required SkillManifest Manifest { get; init; }

    public required DateTimeOffset AnnouncedAt { get; init; }
}

/// <summary>A connector instance is alive (every few seconds), or is stopping (<see cref="Stopping"/>).</summary>
public sealed record SkillHeartbeat
{
    public required string InstanceId { get; init; }

    public required IReadOnlyList<string> SkillIds { get; init; }

    public required DateTimeOffset At { get; init; }

    public bool Stopping { get; init; }
}

/// <summary>
/// The catalog accepted a skill's manifest (new or changed). Services that need skills (SessionService) keep their
/// replica from this event and from <see cref="SkillHeartbeat"/>, and never ask the catalog on the request path.
/// </summary>
public sealed record SkillRegistered
{
    public required SkillManifest Manifest { get; init; }

    /// <summary>
    /// The broker user of the connector the skill belongs to (the catalog checked it against its provider): the only
    /// one whose outcomes and data events for the skill's steps and connections SessionService applies.
    /// </summary>
    public string? Connector { get; init; }

    public required DateTimeOffset RegisteredAt { get; init; }
}
