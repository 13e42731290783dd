using MassTransit;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Who put a message on the broker. Every bus of the system stamps its messages with its broker user
/// (<c>user_id</c>, see <see cref="MessagingExtensions.AddMessaging"/>), and RabbitMQ refuses a message whose
/// <c>user_id</c> is not the user of the connection that publishes it (its validated user id): so a consumer can trust
/// the sender it reads here. A message without one is from nobody the consumer can trust.
/// </summary>
public static class BrokerSender
{
    /// <summary>The broker user that published the message, or null when it was not stamped.</summary>
    public static string? Of(ConsumeContext context) =>
        context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var rabbit) && rabbit.Properties.UserId is { Length: > 0 } user
            ? user
            : null;

    /// <summary>Stamps every message this bus sends or publishes with its broker user, which the broker validates.</summary>
    public static void Stamp(IRabbitMqBusFactoryConfigurator rabbit, string username)
    {
        rabbit.ConfigureSend(send => send.UseSendExecute(context => Stamp(context, username)));
        // Publishing runs the publish pipe, not the send pipe.
        rabbit.ConfigurePublish(publish => publish.UseExecute(context => Stamp(context, username)));
    }

    private static void Stamp(SendContext context, string username)
    {
        if (context.TryGetPayload<RabbitMqSendContext>(out var message))
        {
            message.BasicProperties.UserId = username;
        }
    }
}
