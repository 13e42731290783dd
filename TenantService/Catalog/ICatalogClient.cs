namespace Finqware.TenantService.Catalog;

/// <summary>
/// What TenantService asks the catalog: does a skill exist, and which flavor is it. Asked over HTTP (service
/// discovery name <c>catalog</c>) when a servicer registers or changes a tenant's skills: a rare, interactive
/// request where the answer must be current, so no replica is kept here.
/// </summary>
public interface ICatalogClient
{
    /// <summary>The skill, or null when the catalog does not know it. Throws <see cref="CatalogUnavailableException"/>.</summary>
    Task<CatalogSkill?> FindSkillAsync(string skillId, CancellationToken cancellationToken);
}
