namespace Finqware.CatalogService.Skills;

/// <summary>A skill's status in the catalog.</summary>
public static class SkillStatus
{
    public const string Available = "AVAILABLE";
    public const string Unavailable = "UNAVAILABLE";
    public const string Deprecated = "DEPRECATED";
}
