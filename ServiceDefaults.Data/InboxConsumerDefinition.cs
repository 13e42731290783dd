using Finqware.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.ServiceDefaults.Data;

/// <summary>
/// A consumer whose messages change <typeparamref name="TContext"/>'s database exactly once: each message runs in one
/// transaction of the consumer's own context that first records its id in the <c>inbox_messages</c> table
/// (<see cref="InboxFilter{TConsumer,TContext}"/>), so a redelivered copy changes nothing. The consumer does its work
/// on that context and neither begins nor commits a transaction of its own.
/// </summary>
public abstract class InboxConsumerDefinition<TConsumer, TContext>(string queue) : QueueConsumerDefinition<TConsumer>(queue)
    where TConsumer : class, IConsumer
    where TContext : DbContext
{
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        consumerConfigurator.UseFilter(new InboxFilter<TConsumer, TContext>());
}
