using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;
using Npgsql;

namespace Finqware.TenantService.Usage;

/// <summary>
/// Usage reports (docs/usage.md): a tenant's own with its API token, every tenant of a servicer with a portal token.
/// Rows come from the daily aggregates the usage store keeps; JSON, or the same rows as CSV for <c>Accept: text/csv</c>.
/// </summary>
public static class UsageApi
{
    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/usage", GetOwnUsage).WithName("GetUsage")
            .WithTags("Usage")
            .WithSummary("The calling tenant's usage (API token)")
            .WithDescription("Metered units per UTC day or month between from and to (inclusive, YYYY-MM-DD; default: this month so far), "
                + "optionally per skill (group_by=skill). One row per period and group that has usage. Counts appear within 5 s of what "
                + "caused them. Accept: text/csv gives the same rows as CSV.")
            .RequireApiToken()
            .WithCsv()
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        routes.MapGet("/servicers/{servicer_id:guid}/usage", GetServicerUsage).WithName("GetServicerUsage")
            .WithTags("Usage")
            .WithSummary("Usage of the servicer's tenants")
            .WithDescription("The same report for every tenant of the servicer, for any of its users (admin, developer, viewer); "
                + "group_by=tenant,skill gives one row per tenant and skill. Accept: text/csv gives the same rows as CSV.")
            .RequirePortalRole(ServicerRoles.All)
            .WithCsv()
            .Problems(StatusCodes.Status404NotFound, "SERVICER_NOT_FOUND")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        return routes;
    }

    /// <summary>Documents the CSV form of the 200 answer beside its JSON.</summary>
    private static RouteHandlerBuilder WithCsv(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } content)
            {
                content["text/csv"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }

            return Task.CompletedTask;
        });

    public static async Task<Results<Ok<UsageReport>, ContentHttpResult, ProblemHttpResult>> GetOwnUsage(
        [MaxLength(10)] string? from, [MaxLength(10)] string? to, [AllowedValues("day", "month")] string? granularity, [MaxLength(32)] string? group_by,
        ClaimsPrincipal caller, HttpContext http, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (UsageQuery.Parse(from, to, granularity, group_by, allowTenant: false, clock.GetUtcNow()) is not { } query)
        {
            return UsageQuery.Invalid(from, to, granularity, group_by, allowTenant: false, clock.GetUtcNow());
        }

        var clientId = caller.FindFirst(ClaimNames.ClientId)?.Value ?? "";
        return Answer(http, query, await UsageReports.ReadAsync(dataSource, query, clientId, servicerId: null, cancellationToken));
    }

    public static async Task<Results<Ok<UsageReport>, ContentHttpResult, ProblemHttpResult>> GetServicerUsage(
        Guid servicer_id, [MaxLength(10)] string? from, [MaxLength(10)] string? to, [AllowedValues("day", "month")] string? granularity, [MaxLength(32)] string? group_by,
        ClaimsPrincipal caller, HttpContext http, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ClaimNames.ServicerOf(caller) != servicer_id)
        {
            return AuthApi.ServicerNotFound();
        }

        if (UsageQuery.Parse(from, to, granularity, group_by, allowTenant: true, clock.GetUtcNow()) is not { } query)
        {
            return UsageQuery.Invalid(from, to, granularity, group_by, allowTenant: true, clock.GetUtcNow());
        }

        return Answer(http, query, await UsageReports.ReadAsync(dataSource, query, clientId: null, servicer_id, cancellationToken));
    }

    private static Results<Ok<UsageReport>, ContentHttpResult, ProblemHttpResult> Answer(HttpContext http, UsageQuery query, List<UsageRow> rows)
    {
        // The client's most preferred type (the first on a tie) decides; JSON unless that is text/csv.
        var best = http.Request.GetTypedHeaders().Accept.OrderByDescending(a => a.Quality ?? 1).FirstOrDefault();
        var csv = best is not null && best.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase);
        return csv ? TypedResults.Text(UsageCsv.Write(query, rows), "text/csv; charset=utf-8") : TypedResults.Ok(new UsageReport(rows));
    }
}
