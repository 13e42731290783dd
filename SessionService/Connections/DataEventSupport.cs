using Finqware.SessionService.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Connections;

/// <summary>What every data-event consumer does before applying its event.</summary>
internal static class DataEventSupport
{
    /// <summary>
    /// Serialises the consumers of one natural key (a tenant's connection, payment, application) for the rest of the
    /// transaction, so that two copies of a first event delivered at once never create two rows.
    /// </summary>
    public static Task LockAsync(SessionDbContext db, string key, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))", cancellationToken);

    /// <summary>True when the event names a session of another tenant than the one it names: such an event is dropped.</summary>
    public static Task<bool> IsForeignSessionAsync(SessionDbContext db, Guid sessionId, string clientId, CancellationToken cancellationToken) =>
        db.Sessions.AnyAsync(s => s.Id == sessionId && s.ClientId != clientId, cancellationToken);

    /// <summary>Refuses an event that can never be stored (it goes straight to the _error queue).</summary>
    public static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new PermanentMessageException(what);
        }
    }

    public static bool IsId(string? value, int max = 128) => !string.IsNullOrEmpty(value) && value.Length <= max;

    public static string? Clip(string? value, int max) => value is not null && value.Length > max ? value[..max] : value;
}
