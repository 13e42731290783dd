using System.Diagnostics;
using Finqware.Contracts.Skills;
using Finqware.SkillConnectors.ExampleConnector;
using Finqware.SkillConnectors.Sdk;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Finqware.SkillConnectors.Tests;

/// <summary>
/// Stopping a connector, on real RabbitMQ and PostgreSQL: it says goodbye when the broker is there, and when the broker
/// is away it stops anyway, cleanly and long before the host's shutdown timeout, instead of waiting for a broker that
/// does not come back and then ending with an exception (exit code 134).
/// </summary>
public sealed class ConnectorStopTests(PostgresServerFixture postgres, RabbitMqFixture rabbit)
{
    private static readonly TimeSpan HostShutdownTimeout = TimeSpan.FromSeconds(30);

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_connector_says_goodbye_when_it_stops()
    {
        var broker = await rabbit.CreateVirtualHostAsync("goodbye");
        await using var catalog = await MessageRecorder.StartAsync(broker, record => record.Record<SkillHeartbeat>());
        var connector = await StartAnnouncedAsync(broker);

        await connector.StopAsync(Cancel);

        await EventuallyAsync(() => catalog.Of<SkillHeartbeat>().Any(h => h.Stopping));
        Assert.Equal([EchoSkill.Manifest.SkillId], catalog.Of<SkillHeartbeat>().Single(h => h.Stopping).SkillIds);
    }

    [Fact]
    public async Task A_connector_whose_broker_is_away_stops_cleanly_without_its_goodbye()
    {
        var broker = await rabbit.CreateVirtualHostAsync("away");
        var connector = await StartAnnouncedAsync(broker);

        // The broker is away for this connector: its connection is closed and none is accepted again.
        await rabbit.DeleteVirtualHostAsync(broker);
        var stopping = Stopwatch.StartNew();
        await connector.StopAsync(Cancel);

        // Stopped without an exception, and not by running into the host's shutdown timeout: the goodbye waited its
        // own few seconds (Connector:GoodbyeTimeout), MassTransit's bus stopped without the broker.
        Assert.True(stopping.Elapsed < HostShutdownTimeout / 2, $"The connector took {stopping.Elapsed.TotalSeconds:0.0} s to stop.");
    }

    private async Task<WebApplication> StartAnnouncedAsync(string broker)
    {
        var database = await postgres.CreateDatabaseAsync("connector");
        var builder = ConnectorHost.CreateBuilder(
        [
            "--urls=http://127.0.0.1:0",
            $"--ConnectionStrings:messaging={broker}",
            $"--ConnectionStrings:connectordb={database}",
            "--Connector:HeartbeatInterval=00:00:00.200",
            "--Logging:LogLevel:Default=Warning",
        ]);
        builder.AddSkill(EchoSkill.Manifest).HandleStep<GreetingHandler>("greeting");
        var connector = builder.Build();
        await connector.StartAsync(Cancel);
        var presence = connector.Services.GetRequiredService<PresenceState>();
        await EventuallyAsync(() => presence.Announced);
        return connector;
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 15 s.");
            await Task.Delay(50);
        }
    }
}
