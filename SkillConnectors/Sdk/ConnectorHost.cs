using Finqware.Contracts.Skills;
using MassTransit;
using Npgsql;

namespace Finqware.SkillConnectors.Sdk;

/// <summary>
/// Builds a connector: declare each skill's manifest and one handler per step, then run.
/// <code>
/// var connector = ConnectorHost.CreateBuilder(args);
/// connector.AddSkill(EchoSkill.Manifest).HandleStep&lt;GreetingHandler&gt;("greeting");
/// connector.Build().Run();
/// </code>
/// The SDK binds each skill's queue, announces the manifests, heartbeats, runs each step once (even when the broker
/// delivers it twice), retries and dead-letters failures, reads attachments from SessionService, publishes the
/// outcomes, traces every step, and finishes in-flight steps on shutdown. The connector is a small web app so that it
/// has /health and /alive like every Finqware service.
/// </summary>
public sealed class ConnectorHost
{
    private readonly SkillRegistry registry = new();

    private ConnectorHost(WebApplicationBuilder builder)
    {
        Builder = builder;
    }

    /// <summary>The underlying builder, to register services handlers depend on.</summary>
    public WebApplicationBuilder Builder { get; }

    public IServiceCollection Services => Builder.Services;

    public static ConnectorHost CreateBuilder(string[] args) => new(WebApplication.CreateBuilder(args));

    public SkillBuilder AddSkill(SkillManifest manifest)
    {
        registry.Add(manifest);
        return new SkillBuilder(this, registry, manifest.SkillId);
    }

    public WebApplication Build()
    {
        if (registry.Manifests.Count == 0)
        {
            throw new InvalidOperationException("A connector needs at least one skill: call AddSkill(manifest).");
        }

        if (registry.Unhandled().ToList() is { Count: > 0 } missing)
        {
            throw new InvalidOperationException($"These steps have no handler: {string.Join(", ", missing)}. Call HandleStep<THandler>(step) for each.");
        }

        Builder.AddServiceDefaults();
        Builder.Services.AddSingleton(registry);
        Builder.Services.TryAddSingleton(TimeProvider.System);
        Builder.Services.AddOptions<ConnectorOptions>().BindConfiguration(ConnectorOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        Builder.Services.AddHttpClient<IAttachmentReader, HttpAttachmentReader>(http => http.BaseAddress = new Uri("http://sessions"));

        // The connector's own database, where it remembers the steps it ran (the AppHost sets ConnectionStrings__connectordb).
        Builder.AddNpgsqlDataSource(StepLedger.ConnectionName);
        Builder.Services.AddSingleton<StepLedger>();
        Builder.Services.AddSingleton<ConnectionRequestLedger>();
        Builder.Services.AddHostedService<StepLedgerInitializer>();
        Builder.Services.AddSingleton<ConnectorTelemetry>();
        Builder.Services.AddSingleton<StepRunner>();
        Builder.Services.AddSingleton<StepCancellation>();
        Builder.Services.AddSingleton<IStepUpdates, StepUpdates>();
        Builder.Services.AddHostedService<FollowUpRunner>();

        Builder.AddMessaging(
            Builder.Environment.ApplicationName.ToLowerInvariant(),
            bus =>
            {
                bus.AddConsumer<ProcessStepConsumer>().ExcludeFromConfigureEndpoints();
                bus.AddConsumer<RefreshConnectionConsumer>().ExcludeFromConfigureEndpoints();
                bus.AddConsumer<RevokeConnectionConsumer>().ExcludeFromConfigureEndpoints();
                bus.AddConsumer<CancelSessionConsumer>().ExcludeFromConfigureEndpoints();
            },
            (context, rabbit) =>
            {
                foreach (var manifest in registry.Manifests)
                {
                    rabbit.ReceiveEndpoint(manifest.Queue, endpoint =>
                    {
                        endpoint.PrefetchCount = 16;
                        // Steps are sent to this queue by name: no exchange binding, so a stray publish of
                        // ProcessStep cannot reach every skill's queue.
                        endpoint.ConfigureConsumeTopology = false;
                        endpoint.ConfigureConsumer<ProcessStepConsumer>(context);
                        endpoint.ConfigureConsumer<RefreshConnectionConsumer>(context);
                        endpoint.ConfigureConsumer<RevokeConnectionConsumer>(context);
                        endpoint.ConfigureConsumer<CancelSessionConsumer>(context);
                    });
                }
            });
        Builder.Services.AddSingleton<PresenceState>();
        Builder.Services.AddHealthChecks().AddCheck<PresenceState>("announced", tags: [ServiceDefaultsExtensions.ReadyTag]);
        Builder.Services.AddHostedService<SkillPresence>();

        var app = Builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }

    public sealed class SkillBuilder(ConnectorHost host, SkillRegistry registry, string skillId)
    {
        /// <summary>Runs <typeparamref name="THandler"/> for <paramref name="step"/> (a new instance per step, from DI).</summary>
        public SkillBuilder HandleStep<THandler>(string step) where THandler : class, IStepHandler
        {
            registry.Handle(skillId, step, typeof(THandler));
            return this;
        }

        /// <summary>
        /// Runs <typeparamref name="THandler"/> for the RefreshConnection and RevokeConnection commands SessionService
        /// sends to this skill's queue (without one, refreshes are answered REFRESH_NOT_SUPPORTED).
        /// </summary>
        public SkillBuilder HandleConnections<THandler>() where THandler : class, IConnectionHandler
        {
            registry.HandleConnections(skillId, typeof(THandler));
            return this;
        }

        public SkillBuilder AddSkill(SkillManifest manifest) => host.AddSkill(manifest);
    }
}

internal sealed partial class StepLedgerInitializer(StepLedger ledger, ILogger<StepLedgerInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await ledger.EnsureCreatedAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex) when (DateTime.UtcNow < deadline)
            {
                LogWaiting(logger, ex.Message);
                await Task.Delay(500, cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The connector database is not reachable yet: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);
}
