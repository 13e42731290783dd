namespace Finqware.SessionService.Skills;

/// <summary>A connector instance serving a skill, from its heartbeats: the skill is available while one is recent.</summary>
public sealed class SkillInstance
{
    public required string InstanceId { get; init; }

    public required string SkillId { get; init; }

    public DateTimeOffset LastSeenAt { get; set; }
}
