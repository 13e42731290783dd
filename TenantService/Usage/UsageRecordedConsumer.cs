using Finqware.Contracts.Usage;
using Finqware.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace Finqware.TenantService.Usage;

/// <summary>
/// The usage store: each <see cref="UsageEvent"/> is recorded once, by its id, with the servicer and environment of
/// its tenant (this service owns both), and added to its day's aggregate in the same statement. A redelivered or
/// replayed message finds its ids recorded and adds nothing; two copies at once meet on the id's unique index, where
/// the second waits for the first and then adds nothing.
/// </summary>
public sealed class UsageRecordedConsumer(NpgsqlDataSource dataSource, UsageMetrics metrics) : IConsumer<UsageRecorded>
{
    public sealed class Definition() : QueueConsumerDefinition<UsageRecordedConsumer>("tenants-usage-recorded");

    private const string UnknownTenantsSql = "SELECT array_agg(c) FROM unnest($1::text[]) c WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.client_id = c)";

    private const string RecordSql = """
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[])
                AS i(id, client_id, skill, unit, quantity, occurred_at)),
        recorded AS (
            INSERT INTO usage_events (id, client_id, servicer_id, environment, skill, unit, quantity, occurred_at, recorded_at)
            SELECT i.id, i.client_id, t.servicer_id, t.environment, i.skill, i.unit, i.quantity, i.occurred_at, now()
            FROM input i JOIN tenants t ON t.client_id = i.client_id
            ORDER BY i.id
            ON CONFLICT (id) DO NOTHING
            RETURNING client_id, servicer_id, environment, skill, unit, quantity, occurred_at),
        daily AS (
            INSERT INTO usage_daily (client_id, day, skill, unit, servicer_id, environment, quantity, events)
            SELECT client_id, (occurred_at AT TIME ZONE 'UTC')::date, skill, unit, servicer_id, environment, sum(quantity), count(*)
            FROM recorded GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4
            ON CONFLICT (client_id, day, skill, unit) DO UPDATE
                SET quantity = usage_daily.quantity + excluded.quantity, events = usage_daily.events + excluded.events)
        SELECT unit, environment, sum(quantity)::bigint, count(*)::int FROM recorded GROUP BY 1, 2
        """;

    public async Task Consume(ConsumeContext<UsageRecorded> context)
    {
        var events = context.Message.Events;
        if (events.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(context.CancellationToken);
        await using (var check = new NpgsqlCommand(UnknownTenantsSql, connection))
        {
            check.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.ClientId).Distinct()] });
            if (await check.ExecuteScalarAsync(context.CancellationToken) is string[] { Length: > 0 } unknown)
            {
                // Tenants are never deleted (a removed one keeps its row): an unknown one is not ours. To the _error queue.
                throw new PermanentMessageException($"Usage of unknown tenants: {string.Join(", ", unknown)}");
            }
        }

        await using var record = new NpgsqlCommand(RecordSql, connection);
        record.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Id)] });
        record.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.ClientId)] });
        record.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Skill)] });
        record.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Unit)] });
        record.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. events.Select(e => e.Quantity)] });
        record.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. events.Select(e => e.OccurredAt.ToUniversalTime())] });
        var fresh = 0;
        var counts = new List<(string Unit, string Environment, long Quantity)>();
        await using (var reader = await record.ExecuteReaderAsync(context.CancellationToken))
        {
            while (await reader.ReadAsync(context.CancellationToken))
            {
                counts.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
                fresh += reader.GetInt32(3);
            }
        }

        // Counted once the statement committed (it is its own transaction): a copy adds nothing here either.
        foreach (var (unit, environment, quantity) in counts)
        {
            metrics.Recorded(unit, environment, quantity);
        }

        metrics.Received(fresh, events.Count - fresh);
    }
}
