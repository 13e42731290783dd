namespace Finqware.CatalogService.Skills;

/// <summary>When a skill counts as available (<see cref="SkillsApi"/>) and whose announcements count (<see cref="ConnectorRegistry"/>), checked at start.</summary>
public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>An instance seen within this window keeps its skill AVAILABLE.</summary>
    public TimeSpan LivenessWindow { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Each provider's connectors, by broker user (<see cref="ConnectorRegistry"/>). None registered: no announcement is accepted.</summary>
    public Dictionary<string, List<string>> Providers { get; set; } = [];
}
