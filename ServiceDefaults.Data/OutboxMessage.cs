using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Finqware.ServiceDefaults.Data;

/// <summary>A message waiting to be published, written in the same transaction as the state change that caused it.</summary>
public sealed class OutboxMessage
{
    public required Guid Id { get; init; }

    /// <summary><c>Namespace.Type, Assembly</c> of the message record.</summary>
    public required string MessageType { get; init; }

    public required string Body { get; init; }

    /// <summary>Queue to send to (a command), or null to publish (an event).</summary>
    public string? Destination { get; init; }

    /// <summary>W3C traceparent of the request that caused the message, so the trace continues through the broker.</summary>
    public string? TraceParent { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// The message object this row was written from, when this process wrote it: the relay publishes it without
    /// reading <see cref="Body"/> back. Not mapped (EF Core maps public properties only).
    /// </summary>
    internal object? Payload { get; init; }

    /// <summary>
    /// The row for <paramref name="message"/>: a command for the queue <paramref name="destination"/>, or an event to
    /// publish when it is null. For a writer beside EF Core, which inserts it (<see cref="OutboxModelExtensions.OutboxColumns"/>)
    /// and hands it to <see cref="OutboxSignal.Committed"/> once its transaction commits.
    /// </summary>
    public static OutboxMessage For<T>(T message, string? destination) where T : class
    {
        var type = typeof(T);
        return new OutboxMessage
        {
            Id = NewId.NextGuid(),
            MessageType = $"{type.FullName}, {type.Assembly.GetName().Name}",
            Body = JsonSerializer.Serialize(message, Microsoft.Extensions.Hosting.OutboxExtensions.MessageJson),
            Payload = message,
            Destination = destination,
            TraceParent = Activity.Current?.Id,
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }
}
