using System.Globalization;
using System.Text;
using Finqware.AppHost.Hosting;
using Finqware.AppHost.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Yarp.ReverseProxy.Configuration;

namespace Finqware.Bench;

/// <summary>
/// What the gateway's edge costs (<c>--edge</c>): the real Gateway (a second instance, its <c>sessions</c> cluster pointed
/// at the skeleton service) against a bare YARP proxy (this program, <c>--bare-proxy</c>: one catch-all route, nothing
/// else) in front of the same backend, on a simple client route (<c>GET /sessions/{id}</c> with the client app's HTTP
/// Basic credentials, answered by the skeleton service with a constant). The edge does on it what it does on every
/// client route: the request-size limits, the caller identified, CORS (no Origin: nothing to check), the tenant's budget
/// counted (lifted, as for every bench), the RateLimit headers, telemetry. wrk drives both in turns, same connections,
/// same seconds.
/// </summary>
internal static class EdgeBench
{
    private const int Connections = 8;

    public static async Task RunAsync(int seconds, int rounds, string root)
    {
        var wrk = Wrk.Find() ?? throw new InvalidOperationException("--edge needs wrk (sudo apt-get install -y wrk).");
        await using var system = await BenchSystem.StartAsync(root, dashboard: false);
        var broker = ((RabbitMqResource)system.Host["messaging"]).ConnectionString!;
        var server = ((PostgresResource)system.Host["postgres"]).ServerConnectionString!;
        await LocalPostgres.CreateDatabaseAsync(server, "skeletondb", CancellationToken.None);
        var database = new NpgsqlConnectionStringBuilder(server) { Database = "skeletondb" }.ConnectionString;

        var (servicePort, gatewayPort, proxyPort) = (Ports.Free(), Ports.Free(), Ports.Free());
        var self = typeof(EdgeBench).Assembly.Location;
        var configuration = self.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var backend = $"http://127.0.0.1:{servicePort}";
        var gatewayEnvironment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{gatewayPort}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            [ResourceEnvironment.ReverseProxyDestination("sessions")] = backend,
            [ResourceEnvironment.ServiceEndpoint("sessions")] = backend,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in BenchSystem.LiftedBudgets)
        {
            gatewayEnvironment[name] = value;
        }

        using var service = SkeletonBench.Start("dotnet", [self, "--skeleton-service", servicePort.ToString(CultureInfo.InvariantCulture), broker, database], []);
        using var gatewayProcess = SkeletonBench.Start("dotnet", [Path.Combine(root, "Gateway", "bin", configuration, "net10.0", "Gateway.dll")], gatewayEnvironment);
        using var proxyProcess = SkeletonBench.Start("dotnet", [self, "--bare-proxy", proxyPort.ToString(CultureInfo.InvariantCulture), backend], []);
        var processes = new[] { gatewayProcess, proxyProcess, service };
        using var onInterrupt = Interruption.OnInterrupt(() => SkeletonBench.StopAsync(processes));
        try
        {
            var path = $"/sessions/{Guid.NewGuid()}";
            var authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("fqc_edgebench:fqak_edgebench"));
            var edge = new Uri($"http://127.0.0.1:{gatewayPort}{path}");
            var bare = new Uri($"http://127.0.0.1:{proxyPort}{path}");
            await WaitForAsync(edge, authorization);
            await WaitForAsync(bare, authorization);
            Console.WriteLine("warming up (5 s each)…");
            await wrk.GetRateAsync(edge, authorization, Connections, 5);
            await wrk.GetRateAsync(bare, authorization, Connections, 5);
            var report = new StringBuilder($"""
                GET /sessions/{"{id}"} (client app, HTTP Basic) through the real gateway and through a bare YARP proxy, same backend; wrk -t2 -c{Connections} -d{seconds}s, in turns
                load average before: {BenchApi.LoadAverage()}

                | round | bare YARP /s | gateway /s | gateway / bare (target ≥ 0.85) |
                |---|---|---|---|

                """);
            Console.Write(report);
            for (var round = 1; round <= rounds; round++)
            {
                // Alternating which goes first, so neither always meets the machine as the other left it.
                var (first, second) = round % 2 == 1 ? (bare, edge) : (edge, bare);
                var a = await wrk.GetRateAsync(first, authorization, Connections, seconds);
                var b = await wrk.GetRateAsync(second, authorization, Connections, seconds);
                var (bareRate, edgeRate) = first == bare ? (a, b) : (b, a);
                var row = string.Create(CultureInfo.InvariantCulture, $"| {round} | {bareRate:0} | {edgeRate:0} | {edgeRate / bareRate:0.00} × |");
                Console.WriteLine(row);
                report.AppendLine(row);
            }

            report.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores, {configuration}; load average after: {BenchApi.LoadAverage()}");
            await File.WriteAllTextAsync(Path.Combine(root, "bench", "last-edge.md"), report.ToString());
        }
        finally
        {
            await SkeletonBench.StopAsync(processes);
        }
    }

    /// <summary>The bare baseline: YARP with one catch-all route to <paramref name="destination"/>, and nothing else.</summary>
    public static async Task ProxyAsync(int port, string destination)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // No per-request logs (YARP logs each forward at Information): the gateway logs warnings only.
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "backend", Match = new RouteMatch { Path = "/{**rest}" } }],
            [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["d"] = new() { Address = destination } } }]);
        var app = builder.Build();
        app.MapReverseProxy();
        await app.RunAsync();
    }

    private static async Task WaitForAsync(Uri url, string authorization)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException($"{url} did not answer 2xx within 60 s.");
            }

            await Task.Delay(500);
        }
    }
}
