using Finqware.SessionService.Auth;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Replicas;
using Finqware.SessionService.Sessions;
using Finqware.SessionService.Steps;

namespace Microsoft.Extensions.Hosting;

public static class SessionServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceDatabase<SessionDbContext>("sessiondb");
        builder.AddMessaging("sessions", bus =>
        {
            bus.AddConsumer<TenantUpsertedConsumer>();
            bus.AddConsumer<SkillReplicaConsumer>();
            bus.AddConsumer<StepProcessedConsumer>();
        });
        builder.AddOutboxRelay<SessionDbContext>();
        builder.Services.AddOptions<NonceOptions>().BindConfiguration(NonceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SessionSettings>().BindConfiguration(SessionSettings.Section);
        builder.Services.AddSingleton<NonceService>();
        builder.AddTenantTokenAuthentication();
        builder.AddServiceOpenApi("Finqware Sessions API", "Onboarding sessions, steps and uploads, and the data users consented to.");
        return builder;
    }
}
