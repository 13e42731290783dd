using System.Globalization;
using Npgsql;

namespace Finqware.TenantService.Usage;

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
                units.TryGetValue("upload_bytes", out var uploads) ? uploads.Events : 0, Q("upload_bytes"),
                units.Where(u => u.Key.StartsWith("data_calls_", StringComparison.Ordinal)).Sum(u => u.Value.Quantity),
                Q("data_calls_accounts"), Q("data_calls_balances"), Q("data_calls_transactions"), Q("data_calls_payments"), Q("data_calls_applications"), Q("data_calls_connections"),
                Q("active_connections"), Q("webhooks_delivered"), Q("webhooks_failed")));
        }

        return rows;
    }
}
