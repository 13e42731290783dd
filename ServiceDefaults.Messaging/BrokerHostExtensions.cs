using MassTransit;

namespace Microsoft.Extensions.Hosting;

/// <summary>How every bus of the system, its tests' and its benchmarks' reach the broker.</summary>
public static class BrokerHostExtensions
{
    /// <summary>
    /// Connects the bus to <paramref name="broker"/>; with <paramref name="connectionName"/>, the broker lists the
    /// connection under that name (RabbitMQ's management UI, the dashboard).
    /// </summary>
    public static void Host(this IRabbitMqBusFactoryConfigurator rabbit, BrokerAddress broker, string? connectionName = null) =>
        rabbit.Host(broker.Host, broker.Port, broker.VirtualHost, host =>
        {
            host.Username(broker.Username);
            host.Password(broker.Password);
            if (connectionName is not null)
            {
                host.ConnectionName(connectionName);
            }
        });
}
