using System.Text.Json;
using Finqware.ServiceDefaults.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

public static class OutboxExtensions
{
    internal static readonly JsonSerializerOptions MessageJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Publishes <typeparamref name="TContext"/>'s outbox: a relay handed the messages of each transaction the moment
    /// it commits publishes them from memory with publisher confirms, then deletes their rows; every
    /// <see cref="OutboxOptions.PollInterval"/> it also publishes rows left over by a crashed instance. Safe with
    /// several instances.
    /// </summary>
    public static IHostApplicationBuilder AddOutboxRelay<TContext>(this IHostApplicationBuilder builder) where TContext : DbContext
    {
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section);
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddHostedService<OutboxRelay<TContext>>();
        return builder;
    }

    /// <summary>Queues an event to publish when the current unit of work commits.</summary>
    public static void PublishOnCommit<T>(this DbContext db, T message) where T : class => db.Enqueue(message, destination: null);

    /// <summary>Queues a command for <paramref name="queue"/> to send when the current unit of work commits.</summary>
    public static void SendOnCommit<T>(this DbContext db, string queue, T message) where T : class => db.Enqueue(message, queue);

    private static void Enqueue<T>(this DbContext db, T message, string? destination) where T : class =>
        db.Set<OutboxMessage>().Add(OutboxMessage.For(message, destination));

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

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>How often the relay looks for rows nobody published (left by a crashed instance, or a failed publish).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Rows older than this count as left over. Younger ones belong to a live process that publishes them from
    /// memory right after its commit; the margin keeps two instances from publishing the same row.
    /// </summary>
    public TimeSpan LeftOverAge { get; set; } = TimeSpan.FromSeconds(2);

    public int BatchSize { get; set; } = 100;

    /// <summary>Run the relay in this process (tests turn it off to play a process that dies right after its commit).</summary>
    public bool RelayEnabled { get; set; } = true;
}
