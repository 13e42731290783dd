using Finqware.SessionService.Access;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Internal;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Skills;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Telemetry;
using Finqware.SessionService.Tenants;
using Finqware.SessionService.Uploads;
using Finqware.SessionService.Webhooks;

namespace Microsoft.Extensions.Hosting;

public static class SessionServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceDatabase<SessionDbContext>("sessiondb");
        builder.AddMessaging("sessions", bus =>
        {
            // Named per service: the catalog consumes the same events on queues of its own.
            bus.AddConsumer<StepProcessedConsumer>().Endpoint(e => e.Name = "sessions-step-processed");
            bus.AddConsumer<TenantUpsertedConsumer>().Endpoint(e => e.Name = "sessions-tenant-upserted");
            bus.AddConsumer<TenantRemovedConsumer>().Endpoint(e => e.Name = "sessions-tenant-removed");
            bus.AddConsumer<SkillRegisteredConsumer>().Endpoint(e => e.Name = "sessions-skill-registered");
            bus.AddConsumer<SkillHeartbeatConsumer>().Endpoint(e => e.Name = "sessions-skill-heartbeat");
        });
        builder.AddOutboxRelay<SessionDbContext>();
        builder.AddServiceOpenApi("Finqware Sessions API", "Onboarding sessions, steps and uploads, and the data users consented to.");

        builder.Services.AddOptions<NonceOptions>().BindConfiguration(NonceOptions.Section)
            .ValidateDataAnnotations()
            .Validate(NonceOptions.HasUsableKey, "Nonces:RootKey (environment Nonces__RootKey) must be base64 of 32 or more random bytes, e.g. `openssl rand -base64 32`.")
            .ValidateOnStart();
        builder.Services.AddOptions<SkillOptions>().BindConfiguration(SkillOptions.Section);
        builder.Services.AddOptions<UploadOptions>().BindConfiguration(UploadOptions.Section);
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section);
        builder.Services.AddOptions<InternalApiOptions>().BindConfiguration(InternalApiOptions.Section);
        builder.Services.AddOptions<TenantTokenOptions>().BindConfiguration(TenantTokenOptions.Section);

        builder.Services.AddSingleton<NonceService>();
        builder.Services.AddSingleton<StepDataValidator>();
        builder.Services.AddSingleton<StepNotifier>();
        builder.Services.AddSingleton<SessionMetrics>();
        builder.Services.AddSingleton<TenantTokenValidator>();
        builder.Services.AddHttpClient(nameof(TenantTokenValidator));
        builder.Services.AddScoped<TenantAccess>();
        builder.Services.AddScoped<SkillDirectory>();
        builder.Services.AddScoped<WebhookOutbox>();
        builder.Services.AddScoped<SessionWorkflow>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapSessionServiceApi(this IEndpointRouteBuilder app)
    {
        app.MapSessionsApi();
        app.MapUploadsApi();
        app.MapInternalApi();
        return app;
    }
}
