using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Catalog;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.TenantService.Tenants;

/// <summary>A tenant's skill list, when it is registered and when it is replaced: well-formed, in the catalog, of the tenant's flavor.</summary>
internal static class SkillList
{
    /// <summary>The list's form (count, ids); the ids without blanks and duplicates. Adds to <paramref name="errors"/>.</summary>
    public static List<string> Validate(IReadOnlyList<string>? skills, Dictionary<string, string[]> errors)
    {
        if (skills is null)
        {
            errors["skills"] = ["Required: a list of skill ids from GET /skills (may be empty)."];
            return [];
        }

        if (skills.Count > 100)
        {
            errors["skills"] = ["At most 100 skills."];
        }

        for (var i = 0; i < skills.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(skills[i]) || skills[i].Length > 128)
            {
                errors[$"skills[{i}]"] = ["A skill id from GET /skills, at most 128 characters."];
            }
        }

        return skills.Where(s => !string.IsNullOrWhiteSpace(s)).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Each skill in the catalog and of <paramref name="environment"/>'s flavor; null when they all are.</summary>
    public static async Task<ProblemHttpResult?> CheckAgainstCatalogAsync(
        List<string> skills, string environment, ICatalogClient catalog, CancellationToken cancellationToken)
    {
        var unknown = new Dictionary<string, string[]>();
        var wrongFlavor = new Dictionary<string, string[]>();
        for (var i = 0; i < skills.Count; i++)
        {
            CatalogSkill? skill;
            try
            {
                skill = await catalog.FindSkillAsync(skills[i], cancellationToken);
            }
            catch (CatalogUnavailableException)
            {
                return ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "CATALOG_UNAVAILABLE", "The skills catalog cannot be reached.",
                    "Nothing was changed. Retry in a few seconds.");
            }

            if (skill is null)
            {
                unknown[$"skills[{i}]"] = [$"'{skills[i]}' is not in the catalog (GET /skills lists the skills)."];
            }
            else if (skill.Flavor == "production" && environment == "sandbox")
            {
                wrongFlavor[$"skills[{i}]"] = [$"'{skills[i]}' is a production skill; a sandbox tenant can register sandbox skills only."];
            }
            else if (skill.Flavor == "sandbox" && environment == "production")
            {
                wrongFlavor[$"skills[{i}]"] = [$"'{skills[i]}' is a sandbox skill; a production tenant can register production skills only."];
            }
        }

        if (unknown.Count > 0)
        {
            return ApiProblems.Validation(unknown, "UNKNOWN_SKILL", "Unknown skill.", "Use skill ids exactly as GET /skills lists them.");
        }

        if (wrongFlavor.Count > 0)
        {
            var code = environment == "sandbox" ? "PRODUCTION_SKILL_ON_SANDBOX_TENANT" : "SANDBOX_SKILL_ON_PRODUCTION_TENANT";
            return ApiProblems.Validation(wrongFlavor, code, "Skill flavor does not match the tenant's environment.",
                "Register sandbox skills on sandbox tenants and production skills on production tenants.");
        }

        return null;
    }
}
