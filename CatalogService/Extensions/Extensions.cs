using Finqware.CatalogService.Infrastructure;
using Finqware.CatalogService.Skills;
using MassTransit;

namespace Microsoft.Extensions.Hosting;

public static class CatalogServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceDatabase<CatalogDbContext>("catalogdb");
        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConnectorRegistry>();
        // Every consumer of this assembly; each one's Definition names its queue.
        builder.AddMessaging("catalog", bus => bus.AddConsumers(typeof(CatalogServiceExtensions).Assembly));
        builder.AddOutboxRelay<CatalogDbContext>();
        builder.AddServiceOpenApi("Finqware Catalog API", "The skills that tenants can use: account information, payment initiation and marketplace products, with their steps.");
        return builder;
    }
}
