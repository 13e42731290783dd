using System.Diagnostics;
using System.Globalization;
using Finqware.AppHost.Hosting;
using Npgsql;

namespace Finqware.Bench;

/// <summary>
/// <c>--metering [SECONDS] [ROUNDS]</c>: what usage metering costs session opens (issue 22's target: within 5 %). One
/// boot; each round measures the open rate (wrk, 8 connections, as the first benchmark does) four times, in the order
/// on, off, off, on (off, on, on, off in every other round): metering on, and its capture off (the
/// <c>usage_sessions_opened</c> trigger disabled, so no usage row is written and nothing is shipped or stored). The
/// mirrored order cancels a drift within the round (a growing table, a build starting nearby) from on / off. The two
/// measurements of one arm in a round are an A/A pair: how far they differ is how far two identical measurements differ
/// on this machine right now, the noise that on / off has to be read against. Metering on includes its background
/// work: the shipper's batches, the outbox publish and TenantService storing them.
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

        // Warm-up, not measured (JIT, pools, prepared statements), both arms.
        await RateAsync(metering: true, Math.Max(seconds, 10));
        await RateAsync(metering: false, Math.Max(seconds, 5));
        var loadBefore = BenchApi.LoadAverage();
        var report = new System.Text.StringBuilder($"""
            {BenchApi.Configuration()} build; {Environment.ProcessorCount} cores; load average before: {loadBefore}
            session opens: wrk -t2 -c{Concurrency}, {seconds} s per measurement, 4 per round (on off off on, or off on on off); metering off = the usage_sessions_opened trigger disabled

            | round | order | on (1st, 2nd) /s | off (1st, 2nd) /s | on / off | A/A on | A/A off | load (1 min) |
            |---|---|---|---|---|---|---|---|

            """);
        var ratios = new List<double>();
        var identical = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var onOuter = round % 2 == 1;
            var watch = Stopwatch.StartNew();
            var a1 = await RateAsync(metering: onOuter, seconds);
            var b1 = await RateAsync(metering: !onOuter, seconds);
            var b2 = await RateAsync(metering: !onOuter, seconds);
            var a2 = await RateAsync(metering: onOuter, seconds);
            var (on1, on2, off1, off2) = onOuter ? (a1, a2, b1, b2) : (b1, b2, a1, a2);
            var ratio = (on1 + on2) / (off1 + off2);
            ratios.Add(ratio);
            identical.Add(on2 / on1);
            identical.Add(off2 / off1);
            var row = $"| {round} | {(onOuter ? "on off off on" : "off on on off")} | {on1:0}, {on2:0} | {off1:0}, {off2:0} | {ratio:0.000} | {on2 / on1:0.000} | {off2 / off1:0.000} | {BenchApi.LoadAverage().Split(' ')[0]} |";
            Console.WriteLine($"{row} ({watch.Elapsed.TotalSeconds:0} s)");
            report.AppendLine(row);
        }

        await RateAsync(metering: true, 1);
        report.AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"on / off over {rounds} rounds: {Spread(ratios)}")
            .AppendLine(CultureInfo.InvariantCulture, $"A/A (the same arm twice in a round), {identical.Count} pairs: {Spread(identical)}")
            .AppendLine(CultureInfo.InvariantCulture, $"load average after: {BenchApi.LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(root, "bench", "last-metering.md"), report.ToString());
    }

    /// <summary>
    /// Median, quartiles and range of <paramref name="samples"/>, and the mean with twice its standard error (an
    /// approximate 95 % interval: a difference from 1.0 inside it is not shown by this run).
    /// </summary>
    private static string Spread(List<double> samples)
    {
        var mean = samples.Average();
        var sd = samples.Count > 1 ? Math.Sqrt(samples.Sum(s => (s - mean) * (s - mean)) / (samples.Count - 1)) : 0;
        var se = sd / Math.Sqrt(samples.Count);
        return string.Create(CultureInfo.InvariantCulture,
            $"median {BenchApi.Percentile(samples, 50):0.000}, quartiles {BenchApi.Percentile(samples, 25):0.000}-{BenchApi.Percentile(samples, 75):0.000}, "
            + $"range {samples.Min():0.000}-{samples.Max():0.000}; mean {mean:0.000} ± {2 * se:0.000} (2 standard errors)");
    }
}
