using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Audit;
using Finqware.TenantService.Catalog;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.TenantService.Tenants;

/// <summary>The skills a tenant app may open sessions for (portal token; admins and developers change them).</summary>
public static class TenantSkillsApi
{
    public static IEndpointRouteBuilder MapTenantSkillsApi(this IEndpointRouteBuilder routes)
    {
        var tenants = OwnTenants.MapGroup(routes);
        tenants.MapPut("/skills", UpdateSkills).WithName("UpdateTenantSkills")
            .WithSummary("Replace the tenant's registered skills")
            .WithDescription("The tenant can open sessions for these skills only. Skill ids as GET /skills lists them, of the tenant's flavor.")
            .RequirePortalRole(ServicerRoles.Admin, ServicerRoles.Developer)
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed, "UNKNOWN_SKILL", "PRODUCTION_SKILL_ON_SANDBOX_TENANT", "SANDBOX_SKILL_ON_PRODUCTION_TENANT")
            .Problems(StatusCodes.Status503ServiceUnavailable, "CATALOG_UNAVAILABLE");
        return routes;
    }

    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> UpdateSkills(
        [MaxLength(64)] string client_id,
        UpdateSkillsRequest request,
        ClaimsPrincipal caller,
        TenantDbContext db,
        ICatalogClient catalog,
        AuditLog audit,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var tenant = await OwnTenants.FindAsync(db, caller, client_id, cancellationToken, tracking: true);
        if (tenant is null)
        {
            return OwnTenants.NotFound(client_id);
        }

        var errors = new Dictionary<string, string[]>();
        var skills = SkillList.Validate(request.Skills, errors);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        if (await SkillList.CheckAgainstCatalogAsync(skills, tenant.Environment, catalog, cancellationToken) is { } problem)
        {
            return problem;
        }

        var now = clock.GetUtcNow();
        if (!tenant.Skills.SequenceEqual(skills))
        {
            audit.Record(AuditActions.TenantSkillsChanged, AuditTargets.Tenant, tenant.ClientId, new { Skills = AuditLog.Change(tenant.Skills, skills) });
        }

        tenant.Skills = skills;
        TenantChanges.Publish(db, tenant, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(TenantResponse.From(tenant));
    }
}
