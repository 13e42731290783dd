using System.Text.Json;
using Finqware.ServiceDefaults.Data;
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
}
