using Finqware.SessionService.Infrastructure;

namespace Microsoft.Extensions.Hosting;

public static class SessionServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceDatabase<SessionDbContext>("sessiondb");
        builder.AddMessaging();
        builder.AddOutboxRelay<SessionDbContext>();
        builder.AddServiceOpenApi("Finqware Sessions API", "Onboarding sessions, steps and uploads, and the data users consented to.");
        return builder;
    }
}
