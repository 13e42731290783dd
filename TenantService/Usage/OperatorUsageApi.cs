using System.ComponentModel.DataAnnotations;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Finqware.TenantService.Usage;

/// <summary>
/// Every tenant's usage for the operators' dashboard (docs/dashboard.md, "Usage"): <c>GET /internal/usage</c>, one row
/// per period and tenant with its name, its servicer and its environment. Usage per tenant is a query here, never a
/// metric label (a series per tenant would grow the metric store with every sign-up). Not routed by the gateway; the
/// caller sends the shared internal key, as the other <c>/internal</c> routes' callers do.
/// </summary>
public static class OperatorUsageApi
{
    public static IEndpointRouteBuilder MapOperatorUsageApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/internal/usage", GetAsync).ExcludeFromDescription();
        return routes;
    }

    public static async Task<Results<Ok<OperatorUsageReport>, ProblemHttpResult>> GetAsync(
        [MaxLength(10)] string? from, [MaxLength(10)] string? to, [AllowedValues("day", "month")] string? granularity,
        HttpContext http, NpgsqlDataSource dataSource, TenantDbContext db, IOptions<InternalApiOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (TenantRegistryApi.RefuseUnlessInternal(http, options.Value) is { } refused)
        {
            return refused;
        }

        if (UsageQuery.Parse(from, to, granularity, "tenant", allowTenant: true, clock.GetUtcNow()) is not { } query)
        {
            return UsageQuery.Invalid(from, to, granularity, "tenant", allowTenant: true, clock.GetUtcNow());
        }

        var rows = await UsageReports.ReadAsync(dataSource, query, clientId: null, servicerId: null, cancellationToken);
        var ids = rows.Select(r => r.ClientId!).Distinct().ToList();
        var tenants = await db.Tenants.AsNoTracking().Where(t => ids.Contains(t.ClientId))
            .Join(db.Servicers, t => t.ServicerId, s => s.Id, (t, s) => new { t.ClientId, TenantName = t.Name, t.ServicerId, ServicerName = s.Name })
            .ToDictionaryAsync(t => t.ClientId, cancellationToken);
        return TypedResults.Ok(new OperatorUsageReport(query.From, query.To, query.Monthly ? "month" : "day", [.. rows.Select(r =>
        {
            var tenant = tenants.GetValueOrDefault(r.ClientId!);
            return new OperatorUsageRow(
                r.Period, r.ClientId!, tenant?.TenantName, tenant?.ServicerId, tenant?.ServicerName, r.Environment,
                UsageRow.Units.Zip(r.Values()).ToDictionary(u => u.First, u => u.Second));
        })]));
    }
}

/// <summary>The operators' report: the period asked for, one row per period and tenant.</summary>
public sealed record OperatorUsageReport(DateOnly From, DateOnly To, string Granularity, IReadOnlyList<OperatorUsageRow> Usage);

/// <summary>One tenant's usage in one period, with who it is; <see cref="Units"/> by docs/usage.md's names.</summary>
public sealed record OperatorUsageRow(
    string Period, string ClientId, string? TenantName, Guid? ServicerId, string? ServicerName, string Environment, IReadOnlyDictionary<string, long> Units);
