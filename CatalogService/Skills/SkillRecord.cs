namespace Finqware.CatalogService.Skills;

/// <summary>A skill as the catalog stores it, from the latest manifest its connectors announced.</summary>
public sealed class SkillRecord
{
    public required string SkillId { get; init; }

    public required string Provider { get; set; }

    /// <summary>The broker user of the connector the skill belongs to (<see cref="ConnectorRegistry"/>); null before it was recorded.</summary>
    public string? Connector { get; set; }

    public required string DisplayName { get; set; }

    public required string Description { get; set; }

    /// <summary>aisp, pisp or marketplace.</summary>
    public required string Type { get; set; }

    /// <summary>sandbox or production.</summary>
    public required string Flavor { get; set; }

    public required string Version { get; set; }

    /// <summary>The ordered steps of the manifest (name, description, data_schema, uploads, async) as JSON.</summary>
    public required string Steps { get; set; }

    public List<string> DataProducts { get; set; } = [];

    public bool Deprecated { get; set; }

    public required DateTimeOffset UpdatedAt { get; set; }
}
