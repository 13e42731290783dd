using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.Json;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Finqware.TenantService.Audit;

/// <summary>The servicer's audit log, newest first, for its admins.</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/servicers/{servicer_id:guid}/audit-events", ListAuditEvents).WithName("ListAuditEvents")
            .WithTags("Servicers")
            .WithSummary("The servicer's audit log")
            .WithDescription("Every change to the servicer's users and roles, its tenants' credentials, skills and webhook URLs: who, what, when and "
                + "from which address, newest first. Admins only. While there is more, next_before is the before of the next page.")
            .RequirePortalRole(ServicerRoles.Admin)
            .Problems(StatusCodes.Status404NotFound, "SERVICER_NOT_FOUND")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        return routes;
    }

    public static async Task<Results<Ok<AuditEventPage>, ProblemHttpResult>> ListAuditEvents(
        Guid servicer_id,
        [Range(1, 200)] int? limit,
        long? before,
        ClaimsPrincipal caller,
        TenantDbContext db,
        CancellationToken cancellationToken)
    {
        if (ClaimNames.ServicerOf(caller) != servicer_id)
        {
            return AuthApi.ServicerNotFound();
        }

        if (limit is < 1 or > 200)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["limit"] = ["Between 1 and 200."] });
        }

        var take = limit ?? 50;
        var query = db.AuditEvents.AsNoTracking().Where(e => e.ServicerId == servicer_id);
        if (before is { } cursor)
        {
            query = query.Where(e => e.Seq < cursor);
        }

        var rows = await query.OrderByDescending(e => e.Seq).Take(take + 1).ToListAsync(cancellationToken);
        return TypedResults.Ok(new AuditEventPage([.. rows.Take(take).Select(AuditEventView.From)], rows.Count > take ? rows[take - 1].Seq : null));
    }
}
