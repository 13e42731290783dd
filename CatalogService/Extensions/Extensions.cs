using Finqware.CatalogService.Infrastructure;
using Finqware.CatalogService.Skills;

namespace Microsoft.Extensions.Hosting;

public static class CatalogServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceDatabase<CatalogDbContext>("catalogdb");
        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section);
        builder.AddMessaging("catalog", bus =>
        {
            bus.AddConsumer<SkillAnnouncedConsumer>();
            bus.AddConsumer<SkillHeartbeatConsumer>();
        });
        builder.AddOutboxRelay<CatalogDbContext>();
        builder.AddServiceOpenApi("Finqware Catalog API", "The skills that tenants can use: account information, payment initiation and marketplace products, with their steps.");
        return builder;
    }
}
