using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Finqware.AppHost.Hosting;
using Finqware.AppHost.Telemetry;

namespace Finqware.Bench;

/// <summary>
/// <c>--system-soak MINUTES [CLIENTS]</c>: the AppHost's memory while the whole system runs under load. Boots everything
/// through the AppHost library as <c>./run.sh</c> does, dashboard on, so this process is the AppHost: it supervises
/// every service and connector, keeps their console output, receives their OTLP telemetry and serves the dashboard,
/// while CLIENTS clients drive onboarding, data reads and refused requests through the gateway
/// (<see cref="SystemSoakTraffic"/>) and a dashboard viewer polls the dashboard's JSON API as an open page does. Every
/// 10 s it samples this process's working set and managed heap, what the telemetry stores hold against their limits
/// (<c>GET /api/telemetry</c>) and the console log buffers; at the end it forces a full GC and reports the heap left.
/// Ctrl+C ends the load early and still reports.
/// </summary>
internal static class SystemSoak
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task RunAsync(int minutes, int clients, string root)
    {
        var loadBefore = BenchApi.LoadAverage();
        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        var limits = TelemetryLimits.FromEnvironment();
        await using var system = await BenchSystem.StartAsync(root, dashboard: true, limits, stopOnSignal: false);
        using var dashboard = new HttpClient { BaseAddress = new Uri(system.Host.DashboardUrl!), Timeout = TimeSpan.FromSeconds(30) };
        var traffic = await SystemSoakTraffic.PrepareAsync(system.Gateway, stop.Token);
        var viewer = new DashboardViewer(dashboard, [.. system.Host.Resources.Select(r => r.Name)], stop.Token);

        Console.WriteLine($"system soak: {clients} clients for {minutes} min, sampling every {Every.TotalSeconds:0} s (Ctrl+C ends it early)");
        var clock = Stopwatch.StartNew();
        var samples = new List<Sample> { await SampleAsync(clock.Elapsed, system.Host, dashboard, traffic) };
        Print(samples[^1]);
        var load = Enumerable.Range(0, clients).Select(traffic.RunClientAsync).Append(traffic.RenewTokenAsync()).Append(viewer.RunAsync()).ToList();
        var duration = TimeSpan.FromMinutes(minutes);
        while (clock.Elapsed < duration && !stop.IsCancellationRequested)
        {
            var next = (Every * samples.Count) - clock.Elapsed;
            await Task.Delay(next > TimeSpan.Zero ? next : TimeSpan.Zero, stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!stop.IsCancellationRequested)
            {
                samples.Add(await SampleAsync(clock.Elapsed, system.Host, dashboard, traffic));
                Print(samples[^1]);
            }
        }

        var ran = clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(load);

        // What is left once everything collectable is collected: the stores and buffers at their limits, and the rest.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var settled = GC.GetTotalMemory(forceFullCollection: true);
        var after = await SampleAsync(clock.Elapsed, system.Host, dashboard, traffic);
        Console.WriteLine($"after the load and a full GC: heap {Mb(settled)} MB, working set {Mb(after.WorkingSet)} MB");

        var report = Report(minutes, clients, ran, loadBefore, limits, samples, after, settled, traffic, viewer, system.Host);
        Console.WriteLine();
        Console.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(root, "bench", "last-system-soak.md"), report);
    }

    private static async Task<Sample> SampleAsync(TimeSpan at, FinqwareHost host, HttpClient dashboard, SystemSoakTraffic traffic)
    {
        var telemetry = (await dashboard.GetFromJsonAsync<TelemetryStats>("/api/telemetry", Json))!;
        using var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        // What survived the latest gen2 collection (background or blocking), which collects every generation: the live heap then.
        var background = GC.GetGCMemoryInfo(GCKind.Background);
        var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var gen2 = background.Index > blocking.Index ? background : blocking;
        var buffers = host.Resources.Select(r => r.Logs).ToList();
        return new Sample(
            at,
            process.WorkingSet64,
            GC.GetTotalMemory(forceFullCollection: false),
            gen2.PromotedBytes,
            gc.TotalCommittedBytes,
            GC.CollectionCount(2),
            telemetry,
            buffers.Sum(b => (long)b.Count),
            buffers.Sum(b => b.Characters),
            buffers.Sum(b => b.Capacity),
            Directory.GetFiles("/proc/self/fd").Length,
            process.Threads.Count,
            traffic.Requests,
            traffic.Sessions,
            traffic.Steps);
    }

    private static void Print(Sample s) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{s.At:mm\\:ss}  working set {Mb(s.WorkingSet)} MB  heap {Mb(s.Heap)} MB (live after the last gen2 GC {Mb(s.LiveAfterGen2)}, committed {Mb(s.Committed)})  spans {s.Telemetry.SpanCount}  logs {s.Telemetry.LogCount}  series {s.Telemetry.MetricSeriesCount}  points {s.Telemetry.MetricPointCount}  console {s.ConsoleLines} lines {Mb(s.ConsoleChars * 2):0.0} MB  fds {s.Fds}  threads {s.Threads}  requests {s.Requests}  sessions {s.Sessions}  steps {s.Steps}"));

    private static string Report(
        int minutes, int clients, TimeSpan ran, string loadBefore, TelemetryLimits limits, List<Sample> samples, Sample after, long settled,
        SystemSoakTraffic traffic, DashboardViewer viewer, FinqwareHost host)
    {
        var last = samples[^1];
        var firstMinute = samples.Where(s => s.At > TimeSpan.Zero && s.At <= TimeSpan.FromMinutes(1)).DefaultIfEmpty(last).ToList();
        var secondHalf = samples.Where(s => s.At >= ran / 2).DefaultIfEmpty(last).ToList();
        var t = last.Telemetry;
        var byClass = traffic.Statuses.GroupBy(s => s.Key / 100).OrderBy(g => g.Key).Select(g => $"{g.Sum(s => s.Value):N0} {g.Key}xx");
        var statuses = string.Join(", ", traffic.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value:N0}"));
        var sessions = string.Join(", ", traffic.SessionsBySkill.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {s.Value:N0}"));
        var outcomes = string.Join(", ", traffic.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value:N0}"));
        var consoleBuffers = string.Join(", ", host.Resources.Where(r => r.Logs.Count > 0).OrderByDescending(r => r.Logs.Count)
            .Select(r => $"{r.Name} {r.Logs.Count:N0}{(r.Logs.Count >= r.Logs.Capacity ? " (full)" : "")}"));
        var configured = string.Join(", ", Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith(TelemetryLimits.EnvironmentPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}"));
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"""
            System soak: {BenchApi.Configuration()} build, {Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC ({GCSettings.LatencyMode}), {clients} clients for {ran:mm\:ss} (asked {minutes} min); load average before {loadBefore}, after {BenchApi.LoadAverage()}
            Telemetry limits: {(configured.Length == 0 ? "the defaults" : configured)}

            | the whole system under load, the AppHost's memory | result |
            |---|---|
            | driven through the gateway | {traffic.Requests:N0} requests ({string.Join(", ", byClass)}); {traffic.Sessions:N0} sessions ({sessions}); {traffic.Steps:N0} steps submitted; {traffic.Uploads:N0} uploads; {traffic.DataReads:N0} data reads (and {traffic.ReadRetries:N0} 404s read again until the data had arrived); {traffic.Refused:N0} refused as intended (4xx) |
            | answers by status | {statuses} |
            | steps finished | {outcomes} |
            | unexpected answers | {traffic.Unexpected:N0}{(traffic.Notes.Count == 0 ? "" : ": " + string.Join("; ", traffic.Notes.Take(5)))} |
            | dashboard viewer (JSON API polled as an open page) | {viewer.Requests:N0} requests, {viewer.Failures:N0} failed |
            | telemetry held at the end | {t.SpanCount:N0} spans in {t.TraceCount:N0} traces (limit {limits.MaxSpanCount:N0}), {t.LogCount:N0} log records (limit {limits.MaxLogCount:N0}), {t.MetricSeriesCount:N0} metric series (limit {limits.MaxMetricSeriesCount:N0}) holding {t.MetricPointCount:N0} points (at most {limits.MaxMetricPointsPerSeries} each) |
            | telemetry dropped (oldest first) | {t.SpansDropped:N0} spans, {t.LogsDropped:N0} log records, {t.MetricPointsDropped:N0} metric points; {t.MetricSeriesEvicted:N0} series evicted |
            | console log buffers at the end | {last.ConsoleLines:N0} lines (at most {last.ConsoleCapacity:N0}), {Mb(last.ConsoleChars * 2):0.0} MB of text: {consoleBuffers} |
            | working set: peak in the first minute / peak over the second half / at the end | {Mb(firstMinute.Max(s => s.WorkingSet))} MB / {Mb(secondHalf.Max(s => s.WorkingSet))} MB / {Mb(last.WorkingSet)} MB |
            | managed heap: min / max over the second half; after a full GC at the end | {Mb(secondHalf.Min(s => s.Heap))} / {Mb(secondHalf.Max(s => s.Heap))} MB; {Mb(settled)} MB |
            | live heap after the last gen2 GC: first minute / min / max over the second half | {Mb(firstMinute.Max(s => s.LiveAfterGen2))} MB / {Mb(secondHalf.Min(s => s.LiveAfterGen2))} / {Mb(secondHalf.Max(s => s.LiveAfterGen2))} MB |
            | open file descriptors / threads: first sample under load / at the end | {firstMinute[0].Fds} / {last.Fds}; {firstMinute[0].Threads} / {last.Threads} |

            Every sample (t 00:00 is the booted system before the load; the last row is after the load stopped and a full GC):

            | t | working set MB | heap MB | live after last gen2 GC MB | committed MB | gen2 GCs | spans | logs | series | points | console lines | console MB | fds | threads | requests | sessions | steps |
            |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
            """);
        foreach (var s in samples.Append(after))
        {
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {(s == after ? "end+GC" : s.At.ToString(@"mm\:ss", CultureInfo.InvariantCulture))} | {Mb(s.WorkingSet)} | {Mb(s == after ? settled : s.Heap)} | {Mb(s.LiveAfterGen2)} | {Mb(s.Committed)} | {s.Gen2Collections} | {s.Telemetry.SpanCount} | {s.Telemetry.LogCount} | {s.Telemetry.MetricSeriesCount} | {s.Telemetry.MetricPointCount} | {s.ConsoleLines} | {Mb(s.ConsoleChars * 2):0.0} | {s.Fds} | {s.Threads} | {s.Requests} | {s.Sessions} | {s.Steps} |");
        }

        return report.ToString();
    }

    private static double Mb(long bytes) => Math.Round(bytes / (1024.0 * 1024.0), 1);

    private sealed record Sample(
        TimeSpan At,
        long WorkingSet,
        long Heap,
        long LiveAfterGen2,
        long Committed,
        int Gen2Collections,
        TelemetryStats Telemetry,
        long ConsoleLines,
        long ConsoleChars,
        long ConsoleCapacity,
        int Fds,
        int Threads,
        long Requests,
        long Sessions,
        long Steps);

    /// <summary>
    /// An open dashboard page: the console page's poll of new lines every second (one resource after another), the
    /// resources page with queue depths every 3 s, and every 5 s the traces, structured logs and metrics lists with one
    /// trace's waterfall and one instrument's chart.
    /// </summary>
    private sealed class DashboardViewer(HttpClient dashboard, IReadOnlyList<string> resources, CancellationToken stop)
    {
        private readonly Dictionary<string, long> seen = [];
        private long requests;
        private long failures;

        public long Requests => Interlocked.Read(ref requests);

        public long Failures => Interlocked.Read(ref failures);

        public async Task RunAsync()
        {
            for (var tick = 0; !stop.IsCancellationRequested; tick++)
            {
                try
                {
                    var resource = resources[tick % resources.Count];
                    var lines = await GetAsync($"/api/resources/{resource}/logs?after={seen.GetValueOrDefault(resource)}");
                    if (lines.GetArrayLength() > 0)
                    {
                        seen[resource] = lines[lines.GetArrayLength() - 1].GetProperty("sequence").GetInt64();
                    }

                    if (tick % 3 == 0)
                    {
                        await GetAsync("/api/resources");
                        await GetAsync("/api/graph");
                    }

                    if (tick % 5 == 0)
                    {
                        var traces = await GetAsync("/api/traces?limit=100");
                        if (traces.GetArrayLength() > 0)
                        {
                            await GetAsync($"/api/traces/{traces[0].GetProperty("trace_id").GetString()}");
                        }

                        await GetAsync("/api/logs?limit=100");
                        var metrics = await GetAsync("/api/metrics");
                        if (metrics.GetArrayLength() > 0)
                        {
                            var chosen = metrics[tick / 5 % metrics.GetArrayLength()];
                            var instruments = chosen.GetProperty("instruments");
                            var instrument = instruments[tick / 5 % instruments.GetArrayLength()].GetProperty("name").GetString();
                            await GetAsync($"/api/metrics/{chosen.GetProperty("resource").GetString()}/{instrument}");
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException or KeyNotFoundException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }

                await Task.Delay(1000, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        private async Task<JsonElement> GetAsync(string path)
        {
            Interlocked.Increment(ref requests);
            using var response = await dashboard.GetAsync(new Uri(path, UriKind.Relative), stop);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<JsonElement>(stop);
        }
    }
}
