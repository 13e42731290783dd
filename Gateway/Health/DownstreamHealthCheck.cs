using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace Finqware.Gateway.Health;

/// <summary>Reports a downstream service's own <c>/health</c>, at the address its YARP cluster forwards to.</summary>
public sealed class DownstreamHealthCheck(string cluster, IProxyStateLookup proxy, IHttpClientFactory clients) : IHealthCheck
{
    public const string HttpClientName = "downstream-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxy.TryGetCluster(cluster, out var state) || state.Destinations.IsEmpty)
        {
            return HealthCheckResult.Unhealthy($"Cluster '{cluster}' has no destination: set ReverseProxy__Clusters__{cluster}__Destinations__d1__Address.");
        }

        var address = state.Destinations.Values.First().Model.Config.Address;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var response = await clients.CreateClient(HttpClientName)
                .GetAsync(new Uri(new Uri(address), "/health"), timeout.Token);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy($"{cluster} is healthy")
                : HealthCheckResult.Unhealthy($"{cluster} answered {(int)response.StatusCode} on /health");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{cluster} is not reachable: {ex.Message}");
        }
    }
}
