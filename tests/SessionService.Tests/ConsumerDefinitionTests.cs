using Finqware.ServiceDefaults.Data;
using MassTransit;

namespace Finqware.SessionService.Tests;

/// <summary>
/// Every consumer of SessionService names its queue in its definition, and the queues stay the ones the broker already
/// holds (a renamed queue would strand the messages waiting in the old one). The data events are handled through the
/// inbox; the others are idempotent by their own keys.
/// </summary>
public sealed class ConsumerDefinitionTests
{
    [Fact]
    public void Each_consumer_reads_its_pinned_queue_and_the_data_events_have_an_inbox()
    {
        var definitions = typeof(SessionServiceExtensions).Assembly.GetTypes()
            .Where(type => type.IsClass && !type.IsAbstract && type.IsAssignableTo(typeof(IConsumer)))
            .ToDictionary(type => type.Name, Definition);

        Assert.Equal(
            new Dictionary<string, (string, bool)>
            {
                ["StepProcessedConsumer"] = ("sessions-step-processed", false),
                ["TenantUpsertedConsumer"] = ("sessions-tenant-upserted", false),
                ["TenantRemovedConsumer"] = ("sessions-tenant-removed", false),
                ["SkillRegisteredConsumer"] = ("sessions-skill-registered", false),
                ["SkillHeartbeatConsumer"] = ("sessions-skill-heartbeat", false),
                ["ConnectionDataSyncedConsumer"] = ("sessions-connection-data-synced", true),
                ["ConnectionRefreshFailedConsumer"] = ("sessions-connection-refresh-failed", true),
                ["PaymentInitiatedConsumer"] = ("sessions-payment-initiated", true),
                ["PaymentStatusChangedConsumer"] = ("sessions-payment-status-changed", true),
                ["ApplicationUpdatedConsumer"] = ("sessions-application-updated", true),
                ["VerificationCompletedConsumer"] = ("sessions-verification-completed", true),
            },
            definitions);
    }

    private static (string Queue, bool Inbox) Definition(Type consumer)
    {
        var type = consumer.Assembly.GetTypes().Single(t => t.IsAssignableTo(typeof(IConsumerDefinition<>).MakeGenericType(consumer)));
        var definition = (IConsumerDefinition)Activator.CreateInstance(type)!;
        var queue = definition.GetEndpointName(new KebabCaseEndpointNameFormatter("wrong-", includeNamespace: false));
        var inbox = type.BaseType is { IsGenericType: true } baseType && baseType.GetGenericTypeDefinition() == typeof(InboxConsumerDefinition<,>);
        return (queue, inbox);
    }
}
