using System.Globalization;
using Finqware.SessionService.Access;
using Npgsql;

namespace Finqware.SessionService.Usage;

/// <summary>
/// Meters the data API (docs/usage.md): every answered 2xx call of a metered route group is one usage event of its
/// route class (<c>data_calls_accounts</c>, <c>…_balances</c>, <c>…_transactions</c>, <c>…_payments</c>,
/// <c>…_applications</c>, <c>…_connections</c>), with an id of its own; every connection whose data it read is one
/// <c>active_connections</c> event whose id names the connection and the UTC month, so a connection counts once a
/// month however often it is read. The events go into <c>usage_events</c> before the answer is written, where the
/// shipper takes them like every other unit. A read changes no row, so no trigger sees it.
/// </summary>
public static class DataCallMeter
{
    public const string UnitPrefix = "data_calls_";

    private const string Sql = """
        INSERT INTO usage_events (id, client_id, skill, unit, quantity, occurred_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[])
        ON CONFLICT (id) DO NOTHING
        """;

    /// <summary>Meters every route of the group as calls of <paramref name="routeClass"/>.</summary>
    public static TBuilder MeteredAs<TBuilder>(this TBuilder builder, string routeClass) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var http = context.HttpContext;
            var answer = result is INestedHttpResult nested ? nested.Result : result;
            var status = answer is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
            if (status is >= 200 and < 300 && http.User.FindFirst(Caller.ClientIdClaim)?.Value is { } clientId)
            {
                var services = http.RequestServices;
                await RecordAsync(services.GetRequiredService<NpgsqlDataSource>(), clientId, routeClass, services.GetRequiredService<DataReads>(),
                    services.GetRequiredService<TimeProvider>().GetUtcNow(), CancellationToken.None);
            }

            return result;
        });

    private static async Task RecordAsync(NpgsqlDataSource dataSource, string clientId, string routeClass, DataReads reads, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var month = now.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var events = new List<(string Id, string Skill, string Unit)> { ($"call:{Guid.CreateVersion7()}", reads.Skill, UnitPrefix + routeClass) };
        events.AddRange(reads.Connections.DistinctBy(c => c.Id).Select(c => ($"active:{c.Id}:{month}", c.Skill, "active_connections")));
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Id)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(_ => clientId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Skill)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Unit)] });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. events.Select(_ => 1L)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. events.Select(_ => now)] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
