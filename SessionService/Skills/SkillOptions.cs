namespace Finqware.SessionService.Skills;

/// <summary>When a skill counts as available (<see cref="SkillDirectory"/>), checked at start.</summary>
public sealed class SkillOptions
{
    public const string Section = "Skills";

    /// <summary>A skill is available while one of its instances heartbeated within this window (the catalog's rule).</summary>
    public TimeSpan LivenessWindow { get; set; } = TimeSpan.FromSeconds(15);
}
