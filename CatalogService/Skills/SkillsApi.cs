using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Finqware.CatalogService.Infrastructure;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.CatalogService.Skills;

public static class SkillsApi
{
    public static IEndpointRouteBuilder MapSkillsApi(this IEndpointRouteBuilder routes)
    {
        var skills = routes.MapGroup("/skills").WithTags("Skills").Public();
        skills.MapGet("/", ListSkills).WithName("ListSkills")
            .WithSummary("List the skills of the catalog")
            .WithDescription("Filter by type (aisp, pisp, marketplace), flavor (sandbox, production) and provider. Each skill lists its "
                + "steps with the JSON Schema of their data, whose first example is a working sandbox input.")
            .Problems(StatusCodes.Status400BadRequest, "INVALID_FILTER");
        skills.MapGet("/{skill_id}", GetSkill).WithName("GetSkill")
            .WithSummary("Get one skill with its steps")
            .WithDescription("The id is URL-encoded: xyz_aisp_sbx_%231.0.")
            .Problems(StatusCodes.Status404NotFound, "SKILL_NOT_FOUND");
        return routes;
    }

    public static async Task<Results<Ok<SkillList>, ProblemHttpResult>> ListSkills(
        CatalogDbContext db,
        TimeProvider clock,
        IOptions<CatalogOptions> options,
        [AllowedValues("aisp", "pisp", "marketplace")] string? type,
        [AllowedValues("sandbox", "production")] string? flavor,
        [MaxLength(64)] string? provider,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (type is not null && type is not ("aisp" or "pisp" or "marketplace"))
        {
            errors["type"] = ["Must be one of aisp, pisp, marketplace."];
        }

        if (flavor is not null && flavor is not ("sandbox" or "production"))
        {
            errors["flavor"] = ["Must be one of sandbox, production."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors, "INVALID_FILTER", "Unknown filter value.", status: StatusCodes.Status400BadRequest);
        }

        var query = db.Skills.AsNoTracking();
        if (type is not null)
        {
            query = query.Where(s => s.Type == type);
        }

        if (flavor is not null)
        {
            query = query.Where(s => s.Flavor == flavor);
        }

        if (provider is not null)
        {
            query = query.Where(s => s.Provider == provider);
        }

        var records = await query.OrderBy(s => s.SkillId).ToListAsync(cancellationToken);
        var live = await LiveInstancesAsync(db, clock, options.Value, records.Select(r => r.SkillId).ToList(), cancellationToken);
        return TypedResults.Ok(new SkillList(records.Select(r => SkillResponse.From(r, live.GetValueOrDefault(r.SkillId))).ToList()));
    }

    public static async Task<Results<Ok<SkillResponse>, ProblemHttpResult>> GetSkill(
        [MaxLength(128)] string skill_id, CatalogDbContext db, TimeProvider clock, IOptions<CatalogOptions> options, CancellationToken cancellationToken)
    {
        var record = await db.Skills.AsNoTracking().FirstOrDefaultAsync(s => s.SkillId == skill_id, cancellationToken);
        if (record is null)
        {
            return ApiProblems.NotFound("SKILL_NOT_FOUND", "No such skill.",
                $"The catalog has no skill '{skill_id}'. List the skills with GET /skills; encode '#' as %23 in the path.");
        }

        var live = await LiveInstancesAsync(db, clock, options.Value, [record.SkillId], cancellationToken);
        return TypedResults.Ok(SkillResponse.From(record, live.GetValueOrDefault(record.SkillId)));
    }

    private static async Task<Dictionary<string, int>> LiveInstancesAsync(
        CatalogDbContext db, TimeProvider clock, CatalogOptions options, List<string> skillIds, CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow() - options.LivenessWindow;
        return await db.SkillInstances.AsNoTracking()
            .Where(i => skillIds.Contains(i.SkillId) && i.LastSeenAt >= since)
            .GroupBy(i => i.SkillId)
            .Select(g => new { SkillId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.SkillId, g => g.Count, cancellationToken);
    }
}

public sealed record SkillList(IReadOnlyList<SkillResponse> Skills);

public sealed record SkillResponse(
    string SkillId,
    string Provider,
    string DisplayName,
    string Description,
    string Type,
    string Flavor,
    string Version,
    string Status,
    int Instances,
    JsonElement Steps,
    IReadOnlyList<string> DataProducts)
{
    public static SkillResponse From(SkillRecord record, int liveInstances) => new(
        record.SkillId,
        record.Provider,
        record.DisplayName,
        record.Description,
        record.Type,
        record.Flavor,
        record.Version,
        record.Deprecated ? SkillStatus.Deprecated : liveInstances > 0 ? SkillStatus.Available : SkillStatus.Unavailable,
        liveInstances,
        JsonDocument.Parse(record.Steps).RootElement.Clone(),
        record.DataProducts);
}
