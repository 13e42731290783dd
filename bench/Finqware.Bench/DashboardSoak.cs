using System.Diagnostics;
using System.Globalization;
using Finqware.AppHost.Hosting;
using Finqware.AppHost.Telemetry;
using Google.Protobuf;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace Finqware.Bench;

/// <summary>
/// <c>--dashboard-soak MINUTES</c>: the dashboard (the AppHost library's, with its default limits) under OTLP load for
/// MINUTES, far more telemetry than its limits hold, while this process's memory is sampled every 10 s. The dashboard
/// runs in this process exactly as in the AppHost, so this process's memory is the dashboard's. Shows that memory
/// levels off once the stores are full instead of growing with what was sent.
/// </summary>
internal static class DashboardSoak
{
    private const int Senders = 4;

    public static async Task RunAsync(int minutes, string root)
    {
        var state = Path.Combine(Path.GetTempPath(), $"finqware-soak-{Guid.NewGuid():N}");
        var limits = TelemetryLimits.FromEnvironment();
        await using var host = FinqwareHost.CreateBuilder(new FinqwareHostOptions
        {
            RepositoryRoot = root,
            StateDirectory = state,
            RandomPorts = true,
            TelemetryLimits = limits,
        }).Build();
        await host.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(host.DashboardUrl!) };

        var sent = new long[3];
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        var senders = Enumerable.Range(0, Senders).Select(i => SendAsync(http, i, sent, stop.Token)).ToList();
        var samples = new List<(TimeSpan At, long WorkingSet, long Heap)>();
        var clock = Stopwatch.StartNew();
        using var process = Process.GetCurrentProcess();
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(10), stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            process.Refresh();
            samples.Add((clock.Elapsed, process.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{clock.Elapsed:mm\\:ss}  working set {Mb(process.WorkingSet64)} MB  heap {Mb(samples[^1].Heap)} MB  sent spans {Interlocked.Read(ref sent[0])}"));
        }

        await Task.WhenAll(senders);
        var stats = host.Telemetry!.Stats();
        var settled = GC.GetTotalMemory(forceFullCollection: true);
        var firstMinute = samples.Where(s => s.At <= TimeSpan.FromMinutes(1)).Select(s => s.WorkingSet).DefaultIfEmpty(0).Max();
        var lastHalf = samples.Where(s => s.At >= TimeSpan.FromMinutes(minutes / 2.0)).ToList();
        var report = string.Create(CultureInfo.InvariantCulture, $"""
            | dashboard under OTLP load ({Senders} senders, {minutes} min) | result |
            |---|---|
            | sent | {sent[0]:N0} spans, {sent[1]:N0} log records, {sent[2]:N0} metric points |
            | held at the end | {stats.SpanCount:N0} spans (limit {limits.MaxSpanCount:N0}), {stats.LogCount:N0} logs (limit {limits.MaxLogCount:N0}), {stats.MetricSeriesCount:N0} series (limit {limits.MaxMetricSeriesCount:N0}) of at most {limits.MaxMetricPointsPerSeries} points |
            | dropped (oldest first) | {stats.SpansDropped:N0} spans, {stats.LogsDropped:N0} logs, {stats.MetricPointsDropped:N0} points; {stats.MetricSeriesEvicted:N0} series evicted (the stalest) |
            | working set: peak in the first minute / peak over the second half / at the end | {Mb(firstMinute)} MB / {Mb(lastHalf.Select(s => s.WorkingSet).DefaultIfEmpty(0).Max())} MB / {Mb(samples.LastOrDefault().WorkingSet)} MB |
            | managed heap: min / max over the second half; after a full GC at the end | {Mb(lastHalf.Select(s => s.Heap).DefaultIfEmpty(0).Min())} / {Mb(lastHalf.Select(s => s.Heap).DefaultIfEmpty(0).Max())} MB; {Mb(settled)} MB |
            """);
        Console.WriteLine();
        Console.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(root, "bench", "last-dashboard-soak.md"), report + "\n");
        await host.StopAsync();
        Directory.Delete(state, recursive: true);
    }

    private static async Task SendAsync(HttpClient http, int sender, long[] sent, CancellationToken cancellationToken)
    {
        var random = new Random(sender);
        var round = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            round++;
            var now = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
            var resource = new OpenTelemetry.Proto.Resource.V1.Resource { Attributes = { Attribute("service.name", $"soak-{sender}") } };
            var spans = new ScopeSpans { Scope = new InstrumentationScope { Name = "soak" } };
            var traceId = new byte[16];
            for (var i = 0; i < 100; i++)
            {
                if (i % 10 == 0)
                {
                    random.NextBytes(traceId);
                }

                var spanId = new byte[8];
                random.NextBytes(spanId);
                spans.Spans.Add(new Span
                {
                    TraceId = ByteString.CopyFrom(traceId), SpanId = ByteString.CopyFrom(spanId), Name = $"operation {i % 10}",
                    Kind = Span.Types.SpanKind.Server, StartTimeUnixNano = now, EndTimeUnixNano = now + (ulong)random.Next(1_000_000, 50_000_000),
                    Attributes = { Attribute("http.route", "/sessions/{id}/steps"), Attribute("finqware.step_id", Guid.NewGuid().ToString()) },
                    Status = new Status { Code = i % 17 == 0 ? Status.Types.StatusCode.Error : Status.Types.StatusCode.Unset },
                });
            }

            var logs = new ScopeLogs { Scope = new InstrumentationScope { Name = "Finqware.Soak" } };
            for (var i = 0; i < 100; i++)
            {
                logs.LogRecords.Add(new LogRecord
                {
                    TimeUnixNano = now, SeverityNumber = i % 20 == 0 ? SeverityNumber.Warn : SeverityNumber.Info,
                    Body = new AnyValue { StringValue = $"Step {Guid.NewGuid()} processed in round {round}" },
                    TraceId = ByteString.CopyFrom(traceId), Attributes = { Attribute("StepId", Guid.NewGuid().ToString()) },
                });
            }

            // Series that keep coming (a route per round): more than the series limit over the run.
            var gauge = new Gauge();
            for (var i = 0; i < 20; i++)
            {
                gauge.DataPoints.Add(new NumberDataPoint { TimeUnixNano = now, AsDouble = random.NextDouble(), Attributes = { Attribute("queue", $"q-{(round + i) % 5000}") } });
            }

            await PostAsync(http, "/v1/traces", new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = resource, ScopeSpans = { spans } } } }, cancellationToken);
            await PostAsync(http, "/v1/logs", new ExportLogsServiceRequest { ResourceLogs = { new ResourceLogs { Resource = resource, ScopeLogs = { logs } } } }, cancellationToken);
            await PostAsync(http, "/v1/metrics", new ExportMetricsServiceRequest
            {
                ResourceMetrics = { new ResourceMetrics { Resource = resource, ScopeMetrics = { new ScopeMetrics { Metrics = { new Metric { Name = "queue.depth", Gauge = gauge } } } } } },
            }, cancellationToken);
            Interlocked.Add(ref sent[0], 100);
            Interlocked.Add(ref sent[1], 100);
            Interlocked.Add(ref sent[2], 20);
        }
    }

    private static async Task PostAsync(HttpClient http, string path, IMessage message, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(message.ToByteArray());
        content.Headers.ContentType = new("application/x-protobuf");
        try
        {
            using var response = await http.PostAsync(path, content, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static long Mb(long bytes) => bytes / (1024 * 1024);
}
