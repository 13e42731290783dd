using Microsoft.Extensions.Options;
using Npgsql;

namespace Finqware.ServiceDefaults.Data.Idempotency;

/// <summary>What a request's key found: the key is now this request's, or the stored answer, or a refusal.</summary>
public enum IdempotencyClaim
{
    /// <summary>The key was free (or its first request was abandoned): this request runs and its answer is kept.</summary>
    Started,

    /// <summary>The same request was answered before: replay the answer kept with it.</summary>
    Answered,

    /// <summary>The key was used with another request (another body, path or method).</summary>
    Reused,

    /// <summary>The first request with this key is still running.</summary>
    InUse,
}

/// <summary>
/// The <c>idempotency_keys</c> table of the service's own database, through its <see cref="NpgsqlDataSource"/>: a key is
/// claimed by one insert (so two instances never both run the same key), answered by one update, released by one delete.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource database, IOptions<IdempotencyOptions> options, TimeProvider clock)
{
    public const string Table = "idempotency_keys";

    public async Task<(IdempotencyClaim Claim, IdempotencyRecord? Answer)> ClaimAsync(string id, string fingerprint, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var now = clock.GetUtcNow();
            await using (var insert = database.CreateCommand(
                $"INSERT INTO {Table} (id, fingerprint, locked_until, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING"))
            {
                insert.Parameters.Add(new() { Value = id });
                insert.Parameters.Add(new() { Value = fingerprint });
                insert.Parameters.Add(new() { Value = now + options.Value.AbandonedAfter });
                insert.Parameters.Add(new() { Value = now });
                insert.Parameters.Add(new() { Value = now + options.Value.Retention });
                if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    return (IdempotencyClaim.Started, null);
                }
            }

            var found = await ReadAsync(id, cancellationToken);
            if (found is null)
            {
                continue; // released or swept meanwhile: try to claim it again
            }

            if (found.ExpiresAt <= now)
            {
                await ExecuteAsync($"DELETE FROM {Table} WHERE id = $1 AND expires_at <= $2", cancellationToken, id, now);
                continue;
            }

            if (!string.Equals(found.Fingerprint, fingerprint, StringComparison.Ordinal))
            {
                return (IdempotencyClaim.Reused, null);
            }

            if (found.Status is not null)
            {
                return (IdempotencyClaim.Answered, found);
            }

            if (found.LockedUntil > now)
            {
                return (IdempotencyClaim.InUse, null);
            }

            // Its first request was abandoned (the instance that ran it died): this one takes the key over.
            if (await ExecuteAsync($"UPDATE {Table} SET locked_until = $2 WHERE id = $1 AND status IS NULL AND locked_until <= $3",
                    cancellationToken, id, now + options.Value.AbandonedAfter, now) == 1)
            {
                return (IdempotencyClaim.Started, null);
            }
        }

        return (IdempotencyClaim.InUse, null);
    }

    /// <summary>Keeps the answer of the request that claimed <paramref name="id"/>.</summary>
    public Task CompleteAsync(string id, int status, string? contentType, string? location, byte[] sealedBody, CancellationToken cancellationToken) =>
        ExecuteAsync($"UPDATE {Table} SET status = $2, content_type = $3, location = $4, body = $5, locked_until = NULL WHERE id = $1 AND status IS NULL",
            cancellationToken, id, status, (object?)contentType ?? DBNull.Value, (object?)location ?? DBNull.Value, sealedBody);

    /// <summary>Frees a key whose request kept no answer (an error): a retry with it runs again.</summary>
    public Task ReleaseAsync(string id, CancellationToken cancellationToken) =>
        ExecuteAsync($"DELETE FROM {Table} WHERE id = $1 AND status IS NULL", cancellationToken, id);

    /// <summary>Deletes up to 1,000 expired keys; returns how many.</summary>
    public Task<int> SweepAsync(CancellationToken cancellationToken) =>
        ExecuteAsync($"DELETE FROM {Table} WHERE id IN (SELECT id FROM {Table} WHERE expires_at < $1 LIMIT 1000)", cancellationToken, clock.GetUtcNow());

    private async Task<IdempotencyRecord?> ReadAsync(string id, CancellationToken cancellationToken)
    {
        await using var select = database.CreateCommand(
            $"SELECT fingerprint, status, content_type, location, body, locked_until, created_at, expires_at FROM {Table} WHERE id = $1");
        select.Parameters.Add(new() { Value = id });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new IdempotencyRecord
        {
            Id = id,
            Fingerprint = reader.GetString(0),
            Status = reader.IsDBNull(1) ? null : reader.GetInt32(1),
            ContentType = reader.IsDBNull(2) ? null : reader.GetString(2),
            Location = reader.IsDBNull(3) ? null : reader.GetString(3),
            Body = reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4),
            LockedUntil = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(6),
            ExpiresAt = reader.GetFieldValue<DateTimeOffset>(7),
        };
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = database.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new() { Value = value });
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
