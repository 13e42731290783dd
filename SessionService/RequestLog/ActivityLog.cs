using System.Threading.Channels;

namespace Finqware.SessionService.RequestLog;

/// <summary>
/// The requests answered and not yet written (docs/usage.md, "Activity log"): a bounded queue in memory that
/// <see cref="ActivityWriter"/> empties every second. Full (the database away for long), it drops the oldest: the log is
/// a record of requests, not a count (usage is counted exactly, apart from it), and a request never waits for it.
/// </summary>
public sealed class ActivityLog
{
    public const int Capacity = 20_000;

    /// <summary>How long requests are kept: a tenant reads the last 14 days.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(14);

    private readonly Channel<ApiRequest> queue = Channel.CreateBounded<ApiRequest>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Record(ApiRequest request) => queue.Writer.TryWrite(request);

    /// <summary>Takes up to <paramref name="max"/> queued requests.</summary>
    public List<ApiRequest> Take(int max)
    {
        var batch = new List<ApiRequest>();
        while (batch.Count < max && queue.Reader.TryRead(out var request))
        {
            batch.Add(request);
        }

        return batch;
    }
}
