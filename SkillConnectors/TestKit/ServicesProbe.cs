using System.Collections.Concurrent;
using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Finqware.SkillConnectors.TestKit;

/// <summary>
/// A bus on the connector's virtual host that stands where Finqware's services stand: it receives what the catalog and
/// SessionService receive from connectors (announcements, heartbeats, step outcomes, connection answers, data events)
/// and sends what SessionService sends (steps, refreshes, revokes) to the skills' queues.
/// </summary>
public sealed class ServicesProbe : IAsyncDisposable
{
    internal static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly IBusControl bus;

    private ServicesProbe(IBusControl bus)
    {
        this.bus = bus;
    }

    public ConcurrentQueue<SkillAnnounced> Announcements { get; } = new();

    public ConcurrentQueue<SkillHeartbeat> Heartbeats { get; } = new();

    public ConcurrentQueue<StepProcessed> Outcomes { get; } = new();

    /// <summary>
    /// Each outcome as it arrived, with the outcome the connector's step ledger (<c>processed_steps</c>) held for that
    /// step at that moment (null when it held none yet).
    /// </summary>
    public ConcurrentQueue<(StepProcessed Outcome, string? Stored)> OutcomesWithStoredState { get; } = new();

    public ConcurrentQueue<ConnectionDataSynced> DataSynced { get; } = new();

    public ConcurrentQueue<ConnectionRefreshFailed> RefreshFailures { get; } = new();

    internal static async Task<ServicesProbe> StartAsync(string broker, string database, CancellationToken cancellationToken)
    {
        ServicesProbe? probe = null;
        var address = BrokerAddress.Parse(broker);
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address);
            rabbit.ReceiveEndpoint($"services-probe-{Guid.NewGuid():N}", endpoint =>
            {
                endpoint.AutoDelete = true;
                endpoint.Handler<SkillAnnounced>(c => Record(probe!.Announcements, c.Message));
                endpoint.Handler<SkillHeartbeat>(c => Record(probe!.Heartbeats, c.Message));
                endpoint.Handler<ConnectionDataSynced>(c => Record(probe!.DataSynced, c.Message));
                endpoint.Handler<ConnectionRefreshFailed>(c => Record(probe!.RefreshFailures, c.Message));
                endpoint.Handler<StepProcessed>(async c =>
                {
                    // What the connector had stored when its outcome reached the services.
                    var stored = await StoredOutcomeAsync(database, c.Message.StepId, c.CancellationToken);
                    probe!.OutcomesWithStoredState.Enqueue((c.Message, stored));
                    probe.Outcomes.Enqueue(c.Message);
                });
            });
        });
        probe = new ServicesProbe(bus);
        await bus.StartAsync(cancellationToken);
        return probe;
    }

    /// <summary>Sends <paramref name="message"/> to <paramref name="queue"/> (as SessionService sends to a skill's queue).</summary>
    public async Task SendAsync<T>(string queue, T message, CancellationToken cancellationToken = default) where T : class
    {
        var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{queue}"));
        await endpoint.Send(message, cancellationToken);
    }

    public async ValueTask DisposeAsync() => await bus.StopAsync();

    private static Task Record<T>(ConcurrentQueue<T> queue, T message)
    {
        queue.Enqueue(message);
        return Task.CompletedTask;
    }

    private static async Task<string?> StoredOutcomeAsync(string database, Guid stepId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT outcome->>'outcome' FROM processed_steps WHERE step_id = @id", connection);
        command.Parameters.AddWithValue("id", stepId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
