using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using MassTransit;

namespace Finqware.Bench;

/// <summary>The baseline of the step round trip: a bare MassTransit request/response to an echo endpoint, on the system's broker.</summary>
internal sealed class BareRoundTrip : IAsyncDisposable
{
    private readonly IBusControl bus;
    private readonly IRequestClient<Ping> client;

    private BareRoundTrip(IBusControl bus)
    {
        this.bus = bus;
        client = bus.CreateRequestClient<Ping>(new Uri("queue:bench-echo"));
    }

    public static async Task<BareRoundTrip> StartAsync(string broker)
    {
        var address = BrokerAddress.Parse(broker);
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address);
            rabbit.ReceiveEndpoint("bench-echo", e => e.Handler<Ping>(context => context.RespondAsync(new Pong { Id = context.Message.Id })));
        });
        await bus.StartAsync();
        return new BareRoundTrip(bus);
    }

    /// <summary>One request and its response, in milliseconds.</summary>
    public async Task<double> TimeAsync(int id)
    {
        var watch = Stopwatch.StartNew();
        await client.GetResponse<Pong>(new Ping { Id = id });
        return watch.Elapsed.TotalMilliseconds;
    }

    public async ValueTask DisposeAsync() => await bus.StopAsync();
}
