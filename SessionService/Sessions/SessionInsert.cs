using Npgsql;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// Writes a newly opened session with one prepared <c>INSERT</c> on the service's data source, beside EF Core rather
/// than through it: opening a session is the API's busiest write, and EF's per-request set-up and change tracking were
/// 40% of its CPU (docs/benchmarks.md). <see cref="Columns"/> are the EF model's columns of <c>sessions</c>; a test holds
/// them to the model, and everything else reads and changes sessions through EF.
/// </summary>
public sealed class SessionInsert(NpgsqlDataSource dataSource)
{
    public static readonly string[] Columns = ["id", "client_id", "skill", "status", "created_at", "updated_at", "expires_at", "next_seq", "current_nonce_id"];

    private static readonly string Sql =
        $"INSERT INTO sessions ({string.Join(", ", Columns)}) VALUES ({string.Join(", ", Columns.Select((_, i) => $"${i + 1}"))})";

    public async Task InsertAsync(Session session, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = session.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.ClientId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.Skill });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.Status });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = session.CreatedAt });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = session.UpdatedAt });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = session.ExpiresAt });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = session.NextSeq });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = session.CurrentNonceId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
