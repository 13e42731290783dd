namespace Finqware.CatalogService.Skills;

/// <summary>A running connector process serving a skill, as last seen by its heartbeat.</summary>
public sealed class SkillInstance
{
    public required string SkillId { get; init; }

    public required string InstanceId { get; init; }

    public required DateTimeOffset LastSeenAt { get; set; }
}
