using System.Globalization;
using System.Security.Claims;
using System.Text;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tokens;
using System.ComponentModel.DataAnnotations;
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

/// <summary>A report: one row per period and group that has usage, in period order.</summary>
public sealed record UsageReport(IReadOnlyList<UsageRow> Usage);

/// <summary>One period (YYYY-MM-DD, or YYYY-MM by month) of one group; client_id and skill are present when grouped by them.</summary>
public sealed record UsageRow(
    string Period,
    string? ClientId,
    string? Skill,
    string Environment,
    long SessionsOpened,
    long SessionsCompleted,
    long SessionsFailed,
    long SessionsExpired,
    long SessionsCancelled,
    long Steps,
    long StepsCompleted,
    long StepsFailed,
    long Uploads,
    long UploadBytes);

/// <summary>A report's parameters, validated.</summary>
public sealed record UsageQuery(DateOnly From, DateOnly To, bool Monthly, bool BySkill, bool ByTenant)
{
    public const int MaxDays = 366;

    public static UsageQuery? Parse(string? from, string? to, string? granularity, string? groupBy, bool allowTenant, DateTimeOffset now) =>
        Validate(from, to, granularity, groupBy, allowTenant, now, out var query).Count == 0 ? query : null;

    public static ProblemHttpResult Invalid(string? from, string? to, string? granularity, string? groupBy, bool allowTenant, DateTimeOffset now) =>
        ApiProblems.Validation(Validate(from, to, granularity, groupBy, allowTenant, now, out _));

    private static Dictionary<string, string[]> Validate(string? from, string? to, string? granularity, string? groupBy, bool allowTenant, DateTimeOffset now, out UsageQuery? query)
    {
        query = null;
        var errors = new Dictionary<string, string[]>();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var end = to is null ? today : ParseDate(to, "to", errors);
        var start = from is null ? new DateOnly(end.Year, end.Month, 1) : ParseDate(from, "from", errors);
        if (errors.Count == 0 && start > end)
        {
            errors["from"] = ["Must not be after to."];
        }
        else if (errors.Count == 0 && end.DayNumber - start.DayNumber >= MaxDays)
        {
            errors["to"] = [$"At most {MaxDays} days from from."];
        }

        if (granularity is not (null or "day" or "month"))
        {
            errors["granularity"] = ["day or month."];
        }

        var groups = (groupBy ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var allowed = allowTenant ? new[] { "skill", "tenant" } : ["skill"];
        if (groups.Any(g => !allowed.Contains(g)))
        {
            errors["group_by"] = [allowTenant ? "A comma-separated list of skill and tenant." : "skill (a tenant's report is its own)."];
        }

        if (errors.Count == 0)
        {
            query = new UsageQuery(start, end, granularity == "month", groups.Contains("skill"), groups.Contains("tenant"));
        }

        return errors;
    }

    private static DateOnly ParseDate(string value, string name, Dictionary<string, string[]> errors)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors[name] = ["A UTC date, YYYY-MM-DD."];
        return default;
    }
}

/// <summary>Reads reports from <c>usage_daily</c>.</summary>
public static class UsageReports
{
    private const string Sql = """
        SELECT date_trunc(CASE WHEN $3 THEN 'month' ELSE 'day' END, day)::date AS period,
               CASE WHEN $4 THEN client_id END AS client_id,
               CASE WHEN $5 THEN skill END AS skill,
               environment, unit, sum(quantity)::bigint, sum(events)::bigint
        FROM usage_daily
        WHERE day BETWEEN $1 AND $2 AND ($6::text IS NULL OR client_id = $6) AND ($7::uuid IS NULL OR servicer_id = $7)
        GROUP BY 1, 2, 3, 4, 5
        ORDER BY 1, 2, 3, 4
        """;

    public static async Task<List<UsageRow>> ReadAsync(NpgsqlDataSource dataSource, UsageQuery query, string? clientId, Guid? servicerId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = query.From });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = query.To });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = query.Monthly });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = query.ByTenant });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = query.BySkill });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)clientId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = servicerId is { } s ? s : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });

        var rows = new List<UsageRow>();
        var groups = new Dictionary<(DateOnly, string?, string?, string), Dictionary<string, (long Quantity, long Events)>>();
        var order = new List<(DateOnly Period, string? ClientId, string? Skill, string Environment)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (reader.GetFieldValue<DateOnly>(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3));
            if (!groups.TryGetValue(key, out var units))
            {
                groups[key] = units = [];
                order.Add(key);
            }

            units[reader.GetString(4)] = (reader.GetInt64(5), reader.GetInt64(6));
        }

        foreach (var key in order)
        {
            var units = groups[key];
            long Q(string unit) => units.TryGetValue(unit, out var v) ? v.Quantity : 0;
            rows.Add(new UsageRow(
                query.Monthly ? key.Item1.ToString("yyyy-MM", CultureInfo.InvariantCulture) : key.Item1.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                key.Item2, key.Item3, key.Item4,
                Q("sessions_opened"), Q("sessions_completed"), Q("sessions_failed"), Q("sessions_expired"), Q("sessions_cancelled"),
                Q("steps"), Q("steps_completed"), Q("steps_failed"),
                units.TryGetValue("upload_bytes", out var uploads) ? uploads.Events : 0, Q("upload_bytes")));
        }

        return rows;
    }
}

/// <summary>The report's rows as RFC 4180 CSV, with the JSON's field names as its header.</summary>
public static class UsageCsv
{
    public static string Write(UsageQuery query, IReadOnlyList<UsageRow> rows)
    {
        var header = new List<string> { "period" };
        if (query.ByTenant)
        {
            header.Add("client_id");
        }

        if (query.BySkill)
        {
            header.Add("skill");
        }

        header.AddRange(["environment", "sessions_opened", "sessions_completed", "sessions_failed", "sessions_expired", "sessions_cancelled", "steps", "steps_completed", "steps_failed", "uploads", "upload_bytes"]);
        var csv = new StringBuilder().AppendJoin(',', header).Append("\r\n");
        foreach (var row in rows)
        {
            var fields = new List<string> { row.Period };
            if (query.ByTenant)
            {
                fields.Add(Field(row.ClientId!));
            }

            if (query.BySkill)
            {
                fields.Add(Field(row.Skill!));
            }

            fields.Add(Field(row.Environment));
            fields.AddRange(new[] { row.SessionsOpened, row.SessionsCompleted, row.SessionsFailed, row.SessionsExpired, row.SessionsCancelled, row.Steps, row.StepsCompleted, row.StepsFailed, row.Uploads, row.UploadBytes }
                .Select(n => n.ToString(CultureInfo.InvariantCulture)));
            csv.AppendJoin(',', fields).Append("\r\n");
        }

        return csv.ToString();
    }

    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
