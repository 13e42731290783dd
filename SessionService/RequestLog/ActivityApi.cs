using System.Buffers.Text;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Access;
using Finqware.SessionService.Connections;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Finqware.SessionService.RequestLog;

/// <summary>The tenant's activity log (docs/usage.md): its API requests of the last 14 days, newest first, searchable, paged.</summary>
public static class ActivityApi
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    private const string Sql = """
        SELECT at, method, route, status, latency_ms, trace_id, session_id, connection_id, id FROM api_requests
        WHERE client_id = $1 AND at >= $2
          AND ($3::text IS NULL OR trace_id = $3)
          AND ($4::int IS NULL OR status = $4) AND ($5::int IS NULL OR status / 100 = $5)
          AND ($6::text IS NULL OR starts_with(route, $6))
          AND ($7::timestamptz IS NULL OR (at, id) < ($7, $8))
        ORDER BY at DESC, id DESC
        LIMIT $9
        """;

    public static IEndpointRouteBuilder MapActivityApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/activity").WithTags("Usage").RequireServer(AccessRefusal.Activity)
            .MapGet("/", ListAsync).WithName("ListActivity")
            .WithSummary("The tenant's API requests of the last 14 days")
            .WithDescription("Newest first: time, method, route (its template), status, latency, trace_id, and the session or connection "
                + "touched; the requests of the tenant's server and of its client app. ?trace_id=, ?status= (404, or a class: 4xx), "
                + "?route= (a template's beginning, /accounts), cursor and limit (1..200, default 50). A request shows within a few seconds.")
            .Problems(StatusCodes.Status400BadRequest, "INVALID_CURSOR")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        return app;
    }

    public static async Task<Results<Ok<ActivityPage>, ProblemHttpResult>> ListAsync(
        [FromQuery(Name = "trace_id"), MaxLength(32)] string? traceId,
        [FromQuery(Name = "status"), MaxLength(3)] string? status,
        [FromQuery(Name = "route"), MaxLength(200)] string? route,
        [FromQuery(Name = "cursor"), MaxLength(200)] string? cursor,
        [FromQuery(Name = "limit"), MaxLength(3)] string? limit,
        Caller caller,
        NpgsqlDataSource dataSource,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        int? exact = null, statusClass = null;
        if (status is { Length: 3 } && status[1..] == "xx" && status[0] is >= '1' and <= '5')
        {
            statusClass = status[0] - '0';
        }
        else if (status is not null)
        {
            if (int.TryParse(status, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 599)
            {
                exact = code;
            }
            else
            {
                errors["status"] = ["a status code (404) or a class (4xx)."];
            }
        }

        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"must be a whole number from 1 to {MaxLimit}."];
        }

        if (traceId is not null && (traceId.Length != 32 || !traceId.All(char.IsAsciiHexDigitLower)))
        {
            errors["trace_id"] = ["a W3C trace id: 32 lowercase hex digits."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors, ProblemCodes.ValidationFailed, "The query is not valid.", "Correct the parameters listed in errors.");
        }

        (DateTimeOffset At, Guid Id)? after = null;
        if (cursor is not null)
        {
            if (ReadCursor(cursor) is not { } position)
            {
                return DataErrors.InvalidCursor();
            }

            after = position;
        }

        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = caller.ClientId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() - ActivityLog.Retention });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)traceId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)exact ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)statusClass ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)route ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = after is { } a ? a.At : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = after is { } b ? b.Id : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take + 1 });

        var rows = new List<(ActivityEntry Entry, Guid Id)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((new ActivityEntry(
                    reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), Math.Round(reader.GetDouble(4), 3),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetGuid(6), reader.IsDBNull(7) ? null : reader.GetString(7)),
                    reader.GetGuid(8)));
            }
        }

        var hasMore = rows.Count > take;
        var page = rows.Take(take).ToList();
        var next = hasMore ? WriteCursor(page[^1].Entry.At, page[^1].Id) : null;
        return TypedResults.Ok(new ActivityPage([.. page.Select(r => r.Entry)], next, hasMore));
    }

    private static string WriteCursor(DateTimeOffset at, Guid id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"a1|{at.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{id:N}"));

    private static (DateTimeOffset, Guid)? ReadCursor(string cursor)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
            return parts is ["a1", var ticks, var id] && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
                && t is >= 0 and <= 3155378975999999999 && Guid.TryParseExact(id, "N", out var g)
                ? (new DateTimeOffset(t, TimeSpan.Zero), g) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
