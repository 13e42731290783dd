using Microsoft.EntityFrameworkCore;

namespace Microsoft.Extensions.Hosting;

public static class InboxExtensions
{
    /// <summary>
    /// Records that <paramref name="consumer"/> handled <paramref name="messageId"/> inside the current transaction.
    /// Returns false when it already did: the caller then skips its work. A concurrent duplicate waits on the
    /// primary key until the first transaction ends, so two copies never both proceed.
    /// </summary>
    public static async Task<bool> TryRecordInboxAsync(this DbContext db, Guid messageId, string consumer, CancellationToken cancellationToken)
    {
        var rows = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO inbox_messages (message_id, consumer, processed_at) VALUES ({messageId}, {consumer}, {DateTimeOffset.UtcNow}) ON CONFLICT DO NOTHING",
            cancellationToken);
        return rows == 1;
    }
}
