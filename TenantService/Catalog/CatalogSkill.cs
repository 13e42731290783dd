namespace Finqware.TenantService.Catalog;

public sealed record CatalogSkill(string SkillId, string Flavor, string Type, string Status);
