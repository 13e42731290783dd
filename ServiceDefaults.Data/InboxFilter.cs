using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Finqware.ServiceDefaults.Data;

/// <summary>
/// Runs a consumer inside one transaction of its scope's <typeparamref name="TContext"/> (the instance the consumer was
/// given) that begins by recording the message's id for the consumer (<see cref="InboxExtensions.TryRecordInboxAsync"/>).
/// A copy already recorded skips the consumer; a copy that arrives while the first is still being handled waits on the
/// inbox row's key until that transaction ends, so two copies never both run. The transaction commits when the consumer
/// returns and rolls back when it throws, inbox row included, so the retry runs the consumer again. A message without
/// an id (none of ours) runs in the transaction unrecorded. The row's consumer name is the class name, as the
/// consumers wrote it before this filter, so copies of messages handled then are still recognised.
/// </summary>
public sealed partial class InboxFilter<TConsumer, TContext> : IFilter<ConsumerConsumeContext<TConsumer>>
    where TConsumer : class
    where TContext : DbContext
{
    private static readonly string Consumer = typeof(TConsumer).Name;

    public async Task Send(ConsumerConsumeContext<TConsumer> context, IPipe<ConsumerConsumeContext<TConsumer>> next)
    {
        var services = context.GetPayload<IServiceScope>().ServiceProvider;
        var db = services.GetRequiredService<TContext>();
        var cancellationToken = context.CancellationToken;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (context.MessageId is { } messageId && !await db.TryRecordInboxAsync(messageId, Consumer, cancellationToken))
        {
            LogRedelivered(services.GetRequiredService<ILogger<InboxFilter<TConsumer, TContext>>>(), Consumer, messageId);
            return;
        }

        await next.Send(context);
        await transaction.CommitAsync(cancellationToken);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("inbox");

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Consumer} handled message {MessageId} before: this copy changes nothing")]
    private static partial void LogRedelivered(ILogger logger, string consumer, Guid messageId);
}
