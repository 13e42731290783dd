using Finqware.Gateway.Health;
using Yarp.ReverseProxy;

namespace Microsoft.Extensions.Hosting;

public static class GatewayExtensions
{
    /// <summary>The downstream services: YARP cluster names, which are also their service-discovery names.</summary>
    public static readonly string[] Services = ["catalog", "tenants", "sessions"];

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

        // Health probes must answer fast and must not be retried by the resilience pipeline.
        builder.Services.AddHttpClient(DownstreamHealthCheck.HttpClientName);
        var health = builder.Services.AddHealthChecks();
        foreach (var service in Services)
        {
            health.Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
                service,
                sp => new DownstreamHealthCheck(service, sp.GetRequiredService<IProxyStateLookup>(), sp.GetRequiredService<IHttpClientFactory>()),
                failureStatus: null,
                tags: [ServiceDefaultsExtensions.ReadyTag]));
        }

        builder.Services.AddOpenApi("gateway");
        return builder;
    }
}
