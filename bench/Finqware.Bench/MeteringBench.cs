using System.Diagnostics;
using Finqware.AppHost.Hosting;
using Npgsql;

namespace Finqware.Bench;

/// <summary>
/// <c>--metering [SECONDS] [ROUNDS]</c>: what usage metering costs session opens (issue 22's target: within 5 %). One
/// boot; each round measures the open rate (as the first benchmark does: wrk, 8 connections) with metering on and with
/// its capture off (the <c>usage_sessions_opened</c> trigger disabled, so no usage row is written and nothing is shipped
/// or stored), alternating which goes first, so both see the same machine. Metering on includes its background work: the
/// shipper's batches, the outbox publish and TenantService storing them.
/// </summary>
internal static class MeteringBench
{
    private const string Skill = "example_echo_sbx_#1.0";
    private const int Concurrency = 8;

    public static async Task RunAsync(int seconds, int rounds, string root)
    {
        var wrk = Wrk.Find() ?? throw new InvalidOperationException("--metering needs wrk (bench/README.md).");
        await using var system = await BenchSystem.StartAsync(root, dashboard: false);
        var demo = await system.DemoTenantAsync();
        var (clientId, appKey) = (demo.GetProperty("client_id").GetString()!, demo.GetProperty("client_app_key").GetString()!);
        await BenchApi.OpenSessionAsync(system.Gateway, clientId, appKey, Skill, waitForReplica: true);
        var url = new Uri(system.Gateway.BaseAddress!, "/sessions");
        var body = $$$"""{"client_id":"{{{clientId}}}","client_app_key":"{{{appKey}}}","skill":"{{{Skill}}}"}""";
        var sessiondb = new NpgsqlConnectionStringBuilder(((PostgresResource)system.Host["postgres"]).ServerConnectionString!) { Database = "sessiondb" }.ConnectionString;

        async Task<double> RateAsync(bool metering, int duration)
        {
            await using (var connection = new NpgsqlConnection(sessiondb))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand($"ALTER TABLE sessions {(metering ? "ENABLE" : "DISABLE")} TRIGGER usage_sessions_opened", connection);
                await command.ExecuteNonQueryAsync();
            }

            return await wrk.RateAsync(url, body, Concurrency, duration);
        }

        // Warm-up, not measured (JIT, pools, prepared statements), with metering on.
        await RateAsync(metering: true, Math.Max(seconds, 10));
        var report = new System.Text.StringBuilder($"""
            {BenchApi.Configuration()} build; {Environment.ProcessorCount} cores; load average before: {BenchApi.LoadAverage()}
            session opens: wrk -t2 -c{Concurrency}, {seconds} s per measurement; metering off = the usage_sessions_opened trigger disabled

            | round | first | opens /s, metering on | opens /s, metering off | on / off |
            |---|---|---|---|---|

            """);
        var ratios = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var onFirst = round % 2 == 1;
            var watch = Stopwatch.StartNew();
            var first = await RateAsync(metering: onFirst, seconds);
            var second = await RateAsync(metering: !onFirst, seconds);
            var (on, off) = onFirst ? (first, second) : (second, first);
            ratios.Add(on / off);
            var row = $"| {round} | {(onFirst ? "on" : "off")} | {on:0} | {off:0} | {on / off:0.000} |";
            Console.WriteLine($"{row} ({watch.Elapsed.TotalSeconds:0} s)");
            report.AppendLine(row);
        }

        await RateAsync(metering: true, 1);
        report.AppendLine().AppendLine($"median on / off: {BenchApi.Percentile(ratios, 50):0.000}; load average after: {BenchApi.LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(root, "bench", "last-metering.md"), report.ToString());
    }
}
