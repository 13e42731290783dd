using MassTransit;

namespace Finqware.ServiceDefaults.Messaging;

/// <summary>
/// A consumer's endpoint, decided in one place: the queue it reads, named here once rather than derived from the class
/// name (renaming a consumer must not move it to a new queue and leave the messages waiting in the old one), and what
/// else it needs on it. Retries and dead-lettering are the same for every consumer and set on the bus
/// (<c>AddMessaging</c>: a dependency that is away is waited for about ten minutes, other failures get five quick
/// retries, then the <c>_error</c> queue); a consumer that needs more says so in its definition.
/// </summary>
public abstract class QueueConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected QueueConsumerDefinition(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        Queue = queue;
        EndpointName = queue;
    }

    /// <summary>The queue the consumer reads (its <c>_error</c> queue is this name with <c>_error</c> added).</summary>
    public string Queue { get; }
}
