using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// The token a step's handler, its ledger row and its publishes run with, and so do a connection's refresh and revoke.
/// Not the message's: MassTransit cancels that one as soon as the broker connection drops (the broker redelivers the
/// message anyway), which would abandon a handler half way through its call to the bank and run it a second time on the
/// redelivered copy. This one is cancelled only <see cref="ConnectorOptions.StepStopGrace"/> after the connector starts
/// shutting down: a step in hand when the broker goes away finishes and is stored, and its redelivery publishes the
/// stored outcome instead of running again.
/// </summary>
public sealed class StepCancellation : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly CancellationTokenRegistration stopping;

    public StepCancellation(IHostApplicationLifetime lifetime, IOptions<ConnectorOptions> options)
    {
        var grace = options.Value.StepStopGrace;
        stopping = lifetime.ApplicationStopping.Register(() => source.CancelAfter(grace));
    }

    public CancellationToken Token => source.Token;

    public void Dispose()
    {
        stopping.Dispose();
        source.Dispose();
    }
}
