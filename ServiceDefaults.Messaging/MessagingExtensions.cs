using Finqware.ServiceDefaults;
using MassTransit;
using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

public static class MessagingExtensions
{
    public const string ConnectionName = "messaging";

    /// <summary>Tries of a message that failed because a dependency was away (<see cref="TransientFailure"/>).</summary>
    public const int TransientRetryLimit = 25;

    /// <summary>
    /// MassTransit over RabbitMQ from <c>ConnectionStrings:messaging</c> (<c>amqp://user:pass@host:port/vhost</c>),
    /// kebab-case endpoint names prefixed with <paramref name="service"/> (two services consuming the same event each
    /// get their own queue, e.g. <c>catalog-skill-heartbeat</c> and <c>sessions-skill-heartbeat</c>), retries before a
    /// message goes to its <c>_error</c> queue (nothing is acked on failure; a dependency that is away is waited for,
    /// see <see cref="TransientFailure"/>), and the bus's readiness health check.
    /// <paramref name="configure"/> adds consumers.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(
        this IHostApplicationBuilder builder,
        string service,
        Action<IBusRegistrationConfigurator>? configure = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureBus = null)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Missing connection string 'ConnectionStrings:{ConnectionName}' (environment variable ConnectionStrings__{ConnectionName}). " +
                "Start the service through the AppHost (./run.sh) or set it to an amqp:// URI.");
        }

        var broker = BrokerAddress.Parse(connectionString);
        var connectionName = builder.Configuration["OTEL_SERVICE_NAME"] ?? builder.Environment.ApplicationName;
        builder.Services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(service + "-", includeNamespace: false));
            configure?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                // Named after the resource, so the dashboard can tell which service consumes which queue.
                rabbit.Host(broker, connectionName);
                // Every message says who published it, and the broker checks that it does (BrokerSender).
                BrokerSender.Stamp(rabbit, broker.Username);
                // A dependency away for now (the database restarting or failing over): the message is kept and tried
                // again for about ten minutes. On its _error queue it would leave its step unfinished until someone
                // moved it back. Other failures get a few quick retries inside this one, then the _error queue.
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Handle<Exception>(TransientFailure.Is);
                    retry.Exponential(TransientRetryLimit, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
                });
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Ignore<PermanentMessageException>();
                    retry.Ignore<Exception>(TransientFailure.Is);
                    retry.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(400));
                });
                configureBus?.Invoke(context, rabbit);
                rabbit.ConfigureEndpoints(context);
            });
        });

        // The bus's spans and metrics, beside the ones every process exports (AddServiceDefaults).
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(DiagnosticHeaders.DefaultListenerName))
            .WithMetrics(metrics => metrics.AddMeter(InstrumentationOptions.MeterName));

        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            // Let in-flight messages finish on shutdown.
            options.WaitUntilStarted = false;
            options.StopTimeout = TimeSpan.FromSeconds(20);
        });
        return builder;
    }
}
