using System.Diagnostics;
using Finqware.ServiceDefaults.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace Finqware.Gateway.Health;

/// <summary>
/// <c>/health/services</c>: the health of every service behind the gateway (each one's own <c>/health</c>), for people
/// and dashboards. It is not the gateway's readiness: <c>/health</c> is the gateway alone, so one service down takes
/// its routes down (503 problems with Retry-After) but never takes a gateway instance out of its load balancer.
/// </summary>
public static class ServicesHealth
{
    public const string Path = "/health/services";

    public static IEndpointRouteBuilder MapServicesHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, WriteAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task WriteAsync(HttpContext context, IProxyStateLookup proxy, IHttpClientFactory clients)
    {
        var started = Stopwatch.GetTimestamp();
        var checks = GatewayExtensions.Services.ToDictionary(
            service => service,
            service => new DownstreamHealthCheck(service, proxy, clients).CheckHealthAsync(new HealthCheckContext(), context.RequestAborted));
        await Task.WhenAll(checks.Values);
        var report = new HealthReport(
            checks.ToDictionary(c => c.Key, c => new HealthReportEntry(c.Value.Result.Status, c.Value.Result.Description, TimeSpan.Zero, null, null)),
            Stopwatch.GetElapsedTime(started));
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.Headers.CacheControl = "no-store, no-cache";
        await HealthResponseWriter.WriteAsync(context, report);
    }
}
