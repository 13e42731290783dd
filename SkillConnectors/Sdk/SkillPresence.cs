using Finqware.Contracts.Skills;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>Announces the manifests at start, heartbeats while running, and says goodbye when stopping.</summary>
public sealed partial class SkillPresence(
    PresenceState presence,
    SkillRegistry registry,
    IBus bus,
    IOptions<ConnectorOptions> options,
    TimeProvider clock,
    ILogger<SkillPresence> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var skillIds = registry.Manifests.Select(m => m.SkillId).ToList();
        var announced = false;
        var lastAnnounced = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        do
        {
            try
            {
                if (!announced || clock.GetUtcNow() - lastAnnounced >= options.Value.ReannounceInterval)
                {
                    foreach (var manifest in registry.Manifests)
                    {
                        await bus.Publish(new SkillAnnounced { InstanceId = options.Value.InstanceId, Manifest = manifest, AnnouncedAt = clock.GetUtcNow() }, stoppingToken);
                    }

                    lastAnnounced = clock.GetUtcNow();
                    presence.Announced = true;
                    if (!announced)
                    {
                        announced = true;
                        LogAnnounced(logger, string.Join(", ", skillIds), options.Value.InstanceId);
                    }
                }

                await bus.Publish(new SkillHeartbeat { InstanceId = options.Value.InstanceId, SkillIds = skillIds, At = clock.GetUtcNow() }, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The broker is away: the next tick tries again (and announces then if it has not yet).
                LogHeartbeatFailed(logger, ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!options.Value.SayGoodbye)
        {
            return;
        }

        // The goodbye only hastens what the catalog learns anyway when the heartbeats stop. With the broker away, the
        // publish would wait for it until the host's shutdown timeout, hold up every other part's stop, and end the
        // process with an exception; it is given a few seconds instead.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.GoodbyeTimeout);
        try
        {
            await bus.Publish(new SkillHeartbeat
            {
                InstanceId = options.Value.InstanceId,
                SkillIds = registry.Manifests.Select(m => m.SkillId).ToList(),
                At = clock.GetUtcNow(),
                Stopping = true,
            }, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            LogNoGoodbye(logger, options.Value.GoodbyeTimeout.TotalSeconds);
        }
        catch (Exception ex)
        {
            LogHeartbeatFailed(logger, ex.Message);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Announced {Skills} (instance {InstanceId})")]
    private static partial void LogAnnounced(ILogger logger, string skills, string instanceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping without telling the catalog: the broker did not take the goodbye within {Seconds} s. The skill turns unavailable when the catalog misses this instance's heartbeats.")]
    private static partial void LogNoGoodbye(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reach the broker to announce or heartbeat: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string reason);
}

/// <summary>Whether this instance has announced its skills: the connector reports healthy only once it has.</summary>
public sealed class PresenceState : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    private volatile bool announced;

    public bool Announced
    {
        get => announced;
        set => announced = value;
    }

    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(announced
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("skills announced")
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("skills not announced yet"));
}
