using System.Security.Claims;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Finqware.TenantService.Tenants;

/// <summary>
/// The caller's servicer's tenant apps, the only ones a portal token reaches: another servicer's tenant is a 404,
/// as one that does not exist.
/// </summary>
internal static class OwnTenants
{
    /// <summary><c>/tenants/{client_id}</c>: portal token, 404 <c>TENANT_NOT_FOUND</c> for a tenant that is not the caller's.</summary>
    public static RouteGroupBuilder MapGroup(IEndpointRouteBuilder routes) =>
        routes.MapGroup("/tenants/{client_id}").WithTags("Tenants").RequirePortalToken()
            .Problems(StatusCodes.Status404NotFound, "TENANT_NOT_FOUND");

    public static async Task<Tenant?> FindAsync(TenantDbContext db, ClaimsPrincipal caller, string clientId, CancellationToken cancellationToken, bool tracking = false)
    {
        var servicer = ClaimNames.ServicerOf(caller);
        var query = db.Tenants.Include(t => t.Keys).Where(t => t.ClientId == clientId && t.ServicerId == servicer && t.Status == TenantStatus.Active);
        return await (tracking ? query : query.AsNoTracking()).FirstOrDefaultAsync(cancellationToken);
    }

    public static ProblemHttpResult NotFound(string clientId) => ApiProblems.NotFound("TENANT_NOT_FOUND", "No such tenant.",
        $"Your servicer has no tenant '{clientId}'. List yours with GET /servicers/{{servicer_id}}/tenants.");
}
