using Finqware.SessionService.Access;
using Finqware.SessionService.Accounts;
using Finqware.SessionService.Applications;
using Finqware.SessionService.Connections;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Internal;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Payments;
using Finqware.SessionService.RequestLog;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Skills;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Telemetry;
using Finqware.SessionService.Transactions;
using Finqware.SessionService.Uploads;
using Finqware.SessionService.Usage;
using Finqware.SessionService.Webhooks;
using MassTransit;

namespace Microsoft.Extensions.Hosting;

public static class SessionServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceDatabase<SessionDbContext>("sessiondb");
        // Every consumer of this assembly; each one's Definition names its queue and says whether it has an inbox.
        builder.AddMessaging(
            "sessions",
            bus => bus.AddConsumers(typeof(SessionServiceExtensions).Assembly),
            // Outcomes and data events only from the connector of their skill (docs/security.md, "Connectors").
            (context, rabbit) => rabbit.UseConsumeFilter(typeof(ConnectorSenderFilter<>), context));
        builder.AddOutboxRelay<SessionDbContext>();
        builder.AddIdempotency();
        builder.AddSessionAccess();
        builder.AddServiceOpenApi("Finqware Sessions API", "Onboarding sessions, steps and uploads, and the data users consented to.");

        builder.Services.AddOptions<NonceOptions>().BindConfiguration(NonceOptions.Section)
            .ValidateDataAnnotations()
            .Validate(NonceOptions.HasUsableKey, "Nonces:RootKey (environment Nonces__RootKey) must be base64 of 32 or more random bytes, e.g. `openssl rand -base64 32`.")
            .ValidateOnStart();
        builder.Services.AddValidatedOptions<SkillOptions>(SkillOptions.Section);
        builder.Services.AddValidatedOptions<UploadOptions>(UploadOptions.Section);
        builder.Services.AddValidatedOptions<WebhookOptions>(WebhookOptions.Section);
        builder.Services.AddOptions<WebhookSealingOptions>().BindConfiguration(WebhookSealingOptions.Section).ValidateDataAnnotations()
            .Validate(o => WebhookSealingOptions.IsValidKey(o.PrivateKey), "WebhookSealing:PrivateKey is not a P-256 private key (base64 PKCS#8).").ValidateOnStart();
        builder.Services.AddSingleton<WebhookSigner>();
        builder.Services.AddValidatedOptions<SessionExpiryOptions>(SessionExpiryOptions.Section);
        builder.Services.AddValidatedOptions<InternalApiOptions>(InternalApiOptions.Section);
        builder.Services.AddValidatedOptions<ConnectionOptions>(ConnectionOptions.Section);
        builder.Services.AddValidatedOptions<UsageOptions>(UsageOptions.Section);
        builder.Services.AddValidatedOptions<ReplicaCacheOptions>(ReplicaCacheOptions.Section);
        builder.Services.AddSingleton<ReplicaCache>();
        builder.Services.AddSingleton<NonceMacaroons>();
        builder.Services.AddSingleton<AttachmentGrants>();
        builder.Services.AddSingleton<StepDataValidator>();
        builder.Services.AddSingleton<SessionChanges>();
        builder.Services.AddHostedService<SessionChangeListener>();
        builder.Services.AddSingleton<SessionMetrics>();
        builder.Services.AddScoped<SkillDirectory>();
        builder.Services.AddScoped<WebhookOutbox>();
        builder.Services.AddScoped<SessionWorkflow>();
        builder.Services.AddScoped<SessionNonces>();
        builder.Services.AddScoped<UploadWorkflow>();
        builder.Services.AddScoped<DataReads>();
        builder.Services.AddSingleton<ActivityLog>();
        builder.Services.AddHostedService<ActivityWriter>();
        builder.Services.AddSingleton<SessionInsert>();
        builder.Services.AddSingleton<StepOutcomeWrite>();
        builder.Services.AddSingleton<SubmittedSteps>();
        builder.Services.AddScoped<StepDataWait>();
        builder.Services.AddOptions<StepDataWaitOptions>().BindConfiguration(StepDataWaitOptions.Section);
        builder.Services.AddSingleton<StepSubmitWrite>();
        builder.Services.AddHostedService<WebhookDispatcher>();
        builder.Services.AddHostedService<SessionExpirySweeper>();
        builder.Services.AddHostedService<UsageShipper>();
        builder.Services.AddSingleton<ConnectionExpirySweep>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ConnectionExpirySweep>());
        return builder;
    }

    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and checks its data annotations at start: a bad setting stops the service with its key in the message.</summary>
    private static void AddValidatedOptions<T>(this IServiceCollection services, string section) where T : class =>
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();

    public static IEndpointRouteBuilder MapSessionServiceApi(this IEndpointRouteBuilder app)
    {
        app.MapSessionsApi();
        app.MapUploadsApi();
        app.MapInternalApi();
        app.MapConnectionsApi();
        app.MapAccountsApi();
        app.MapTransactionsApi();
        app.MapPaymentsApi();
        app.MapActivityApi();
        app.MapApplicationsApi();
        return app;
    }
}
