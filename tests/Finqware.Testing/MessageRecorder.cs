using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Hosting;

namespace Finqware.Testing;

/// <summary>
/// A bus of the test's own on a real broker: it records the messages of the types it is told to (published events on
/// a queue of its own, deleted when it stops), in the order they arrive, and sends or publishes as a service or a
/// connector would.
/// </summary>
public sealed class MessageRecorder : IAsyncDisposable
{
    private readonly IBusControl bus;

    private MessageRecorder(IBusControl bus, ConcurrentQueue<object> messages, ConcurrentQueue<string> raw)
    {
        this.bus = bus;
        Messages = messages;
        Raw = raw;
    }

    /// <summary>Everything recorded, in the order it arrived.</summary>
    public ConcurrentQueue<object> Messages { get; }

    /// <summary>The body of every recorded message exactly as it crossed the broker.</summary>
    public ConcurrentQueue<string> Raw { get; }

    /// <summary>The recorded messages of type <typeparamref name="T"/>, in the order they arrived.</summary>
    public List<T> Of<T>() => [.. Messages.OfType<T>()];

    /// <summary>
    /// Starts a recorder on <paramref name="broker"/> (an amqp:// URI) for the message types <paramref name="record"/>
    /// names. <paramref name="connectionName"/> names its broker connection (a test can then close it);
    /// <paramref name="inOrder"/> takes one message at a time, so that <see cref="Messages"/> keeps the order the broker
    /// delivered them in.
    /// </summary>
    public static async Task<MessageRecorder> StartAsync(string broker, Action<Types> record, string? connectionName = null, bool inOrder = false)
    {
        var messages = new ConcurrentQueue<object>();
        var raw = new ConcurrentQueue<string>();
        var types = new Types();
        record(types);
        var address = BrokerAddress.Parse(broker);
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address, connectionName);
            rabbit.ReceiveEndpoint($"test-recorder-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Durable = false;
                if (inOrder)
                {
                    endpoint.PrefetchCount = 1;
                    endpoint.ConcurrentMessageLimit = 1;
                }

                foreach (var add in types.Handlers)
                {
                    add(endpoint, messages, raw);
                }
            });
        });
        await bus.StartAsync();
        return new MessageRecorder(bus, messages, raw);
    }

    /// <summary>
    /// A bus that only publishes (a connector's broker user may not declare a queue of its own): with
    /// <paramref name="asConnector"/>, each message carries that broker user as its <c>user_id</c>, as a connector's do
    /// (<see cref="BrokerSender"/>); without, none: a message no broker user vouches for.
    /// </summary>
    public static async Task<MessageRecorder> PublisherAsync(string broker, string? asConnector = null)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(BrokerAddress.Parse(broker));
            if (asConnector is not null)
            {
                BrokerSender.Stamp(rabbit, asConnector);
            }
        });
        await bus.StartAsync();
        return new MessageRecorder(bus, new ConcurrentQueue<object>(), new ConcurrentQueue<string>());
    }

    public async Task SendAsync<T>(string queue, T message, CancellationToken cancellationToken = default) where T : class
    {
        var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{queue}"));
        await endpoint.Send(message, cancellationToken);
    }

    public Task PublishAsync<T>(T message, CancellationToken cancellationToken = default) where T : class => bus.Publish(message, cancellationToken);

    public Task PublishAsync<T>(T message, Guid messageId, CancellationToken cancellationToken = default) where T : class =>
        bus.Publish(message, context => context.MessageId = messageId, cancellationToken);

    public async ValueTask DisposeAsync() => await bus.StopAsync();

    /// <summary>The message types a recorder records.</summary>
    public sealed class Types
    {
        internal List<Action<IReceiveEndpointConfigurator, ConcurrentQueue<object>, ConcurrentQueue<string>>> Handlers { get; } = [];

        public Types Record<T>() where T : class
        {
            Handlers.Add((endpoint, messages, raw) => endpoint.Handler<T>(context =>
            {
                raw.Enqueue(System.Text.Encoding.UTF8.GetString(context.ReceiveContext.Body.GetBytes()));
                messages.Enqueue(context.Message);
                return Task.CompletedTask;
            }));
            return this;
        }
    }
}
