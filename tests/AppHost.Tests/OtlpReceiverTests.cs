using System.Diagnostics;
using System.Diagnostics.Metrics;
using Finqware.AppHost.Hosting;
using Finqware.AppHost.Telemetry;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Trace.V1;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using LogRecord = OpenTelemetry.Proto.Logs.V1.LogRecord;
using Metric = OpenTelemetry.Proto.Metrics.V1.Metric;

namespace Finqware.AppHost.Tests;

/// <summary>
/// The dashboard's OTLP/HTTP receiver, fed by the OpenTelemetry .NET exporters (as every service feeds it) and by
/// hand-built OTLP messages, read back through the dashboard's JSON API; and its limits, which hold whatever is sent.
/// </summary>
public sealed class OtlpReceiverTests
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<(FinqwareHost Host, HttpClient Dashboard, string State)> StartDashboardAsync(TelemetryLimits? limits = null)
    {
        var state = TestInfrastructure.TempDirectory("otlp");
        var options = new FinqwareHostOptions
        {
            RepositoryRoot = FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)!,
            StateDirectory = state,
            RandomPorts = true,
            TelemetryLimits = limits ?? new TelemetryLimits(),
        };
        var host = FinqwareHost.CreateBuilder(options).Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return (host, new HttpClient { BaseAddress = new Uri(host.DashboardUrl!) }, state);
    }

    private static async Task StopAsync(FinqwareHost host, HttpClient dashboard, string state)
    {
        dashboard.Dispose();
        await host.DisposeAsync();
        TestInfrastructure.DeleteQuietly(state);
    }

    [Fact]
    public async Task Spans_logs_and_metrics_from_the_opentelemetry_exporters_are_read_back_through_the_api()
    {
        var (host, dashboard, state) = await StartDashboardAsync();
        try
        {
            var resource = ResourceBuilder.CreateEmpty().AddService("payments-test");
            using var source = new ActivitySource("Finqware.Test");
            using var meter = new Meter("Finqware.Test");
            string traceId;
            using (var tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource("Finqware.Test")
                .AddOtlpExporter(o => Configure(o, host, "/v1/traces")).Build())
            using (var loggers = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o =>
            {
                o.SetResourceBuilder(resource);
                o.IncludeFormattedMessage = true;
                o.AddOtlpExporter(e => Configure(e, host, "/v1/logs"));
            })))
            using (var metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter("Finqware.Test")
                .AddOtlpExporter(o => Configure(o, host, "/v1/metrics")).Build())
            {
                var logger = loggers.CreateLogger("Finqware.Test.Payments");
                var counter = meter.CreateCounter<long>("payments.initiated");
                var latency = meter.CreateHistogram<double>("payments.duration", "ms");
                using (var parent = source.StartActivity("initiate payment", ActivityKind.Server))
                {
                    traceId = parent!.TraceId.ToHexString();
                    using (var child = source.StartActivity("call bank", ActivityKind.Client))
                    {
                        child!.SetTag("bank.name", "Sandbox Bank");
                        child.SetStatus(ActivityStatusCode.Error, "bank said no");
                        child.AddEvent(new ActivityEvent("retrying"));
                        logger.LogError("The bank refused payment {PaymentId}", "pay-42");
                    }
                }

                counter.Add(3, new KeyValuePair<string, object?>("outcome", "accepted"));
                latency.Record(12.5);
                tracing!.ForceFlush();
                metrics!.ForceFlush();
            }

            var traces = await dashboard.GetFromJsonAsync<JsonElement>("/api/traces?resource=payments-test&error=true", Cancel);
            var summary = Assert.Single(traces.EnumerateArray());
            Assert.Equal(traceId, summary.GetProperty("trace_id").GetString());
            Assert.Equal("initiate payment", summary.GetProperty("name").GetString());
            Assert.Equal(2, summary.GetProperty("span_count").GetInt32());

            var trace = await dashboard.GetFromJsonAsync<JsonElement>($"/api/traces/{traceId}", Cancel);
            var spans = trace.GetProperty("spans").EnumerateArray().ToList();
            var root = spans.Single(s => s.GetProperty("name").GetString() == "initiate payment");
            var call = spans.Single(s => s.GetProperty("name").GetString() == "call bank");
            Assert.Equal(root.GetProperty("span_id").GetString(), call.GetProperty("parent_span_id").GetString());
            Assert.Equal("error", call.GetProperty("status").GetString());
            Assert.Equal("bank said no", call.GetProperty("status_message").GetString());
            Assert.Equal("Sandbox Bank", call.GetProperty("attributes").GetProperty("bank.name").GetString());
            Assert.Equal("retrying", call.GetProperty("events")[0].GetProperty("name").GetString());
            Assert.Equal("payments-test", call.GetProperty("resource").GetString());
            Assert.Equal("client", call.GetProperty("kind").GetString());

            var logs = await dashboard.GetFromJsonAsync<JsonElement>($"/api/logs?trace_id={traceId}&level=error", Cancel);
            var log = Assert.Single(logs.EnumerateArray());
            Assert.Equal("The bank refused payment pay-42", log.GetProperty("message").GetString());
            Assert.Equal("Error", log.GetProperty("level").GetString());
            Assert.Equal("Finqware.Test.Payments", log.GetProperty("category").GetString());
            Assert.Equal(call.GetProperty("span_id").GetString(), log.GetProperty("span_id").GetString());
            Assert.Equal("pay-42", log.GetProperty("attributes").GetProperty("PaymentId").GetString());
            Assert.Empty((await dashboard.GetFromJsonAsync<JsonElement>("/api/logs?resource=payments-test&text=nothing-like-this", Cancel)).EnumerateArray());

            var instruments = await dashboard.GetFromJsonAsync<JsonElement>("/api/metrics", Cancel);
            var ours = instruments.EnumerateArray().Single(r => r.GetProperty("resource").GetString() == "payments-test").GetProperty("instruments");
            Assert.Equal(["payments.duration", "payments.initiated"], ours.EnumerateArray().Select(i => i.GetProperty("name").GetString()));
            var counted = await dashboard.GetFromJsonAsync<JsonElement>("/api/metrics/payments-test/payments.initiated", Cancel);
            Assert.Equal("sum", counted.GetProperty("type").GetString());
            var series = Assert.Single(counted.GetProperty("series").EnumerateArray());
            Assert.Equal("accepted", series.GetProperty("attributes").GetProperty("outcome").GetString());
            Assert.Equal(3, series.GetProperty("points")[0].GetProperty("value").GetDouble());
            var histogram = await dashboard.GetFromJsonAsync<JsonElement>("/api/metrics/payments-test/payments.duration", Cancel);
            Assert.Equal("histogram", histogram.GetProperty("type").GetString());
            Assert.Equal("ms", histogram.GetProperty("unit").GetString());
            Assert.Equal(12.5, histogram.GetProperty("series")[0].GetProperty("points")[0].GetProperty("sum").GetDouble());
        }
        finally
        {
            await StopAsync(host, dashboard, state);
        }
    }

    [Fact]
    public async Task Otlp_json_bodies_keep_their_hex_ids()
    {
        var (host, dashboard, state) = await StartDashboardAsync();
        try
        {
            const string traceId = "5b8efff798038103d269b633813fc60c";
            var body = $$$"""
                {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-test"}}]},
                  "scopeSpans":[{"scope":{"name":"curl"},"spans":[{"traceId":"{{{traceId}}}","spanId":"eee19b7ec3c1b174",
                  "name":"from json","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000250000000",
                  "status":{"code":2,"message":"boom"}}]}]}]}
                """;
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            var response = await dashboard.PostAsync("/v1/traces", content, Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            var trace = await dashboard.GetFromJsonAsync<JsonElement>($"/api/traces/{traceId}", Cancel);
            var span = Assert.Single(trace.GetProperty("spans").EnumerateArray());
            Assert.Equal("eee19b7ec3c1b174", span.GetProperty("span_id").GetString());
            Assert.Equal(250, span.GetProperty("duration_ms").GetDouble());
            Assert.Equal("server", span.GetProperty("kind").GetString());
            Assert.Equal("error", span.GetProperty("status").GetString());
        }
        finally
        {
            await StopAsync(host, dashboard, state);
        }
    }

    [Fact]
    public async Task Bad_bodies_and_queries_get_problem_documents_with_codes()
    {
        var (host, dashboard, state) = await StartDashboardAsync();
        try
        {
            using (var garbage = new ByteArrayContent([0xff, 0xff, 0xff, 0x01]))
            {
                garbage.Headers.ContentType = new("application/x-protobuf");
                await AssertProblemAsync(await dashboard.PostAsync("/v1/traces", garbage, Cancel), HttpStatusCode.BadRequest, "OTLP_INVALID_BODY");
            }

            using (var text = new StringContent("hello", Encoding.UTF8, "text/plain"))
            {
                await AssertProblemAsync(await dashboard.PostAsync("/v1/logs", text, Cancel), HttpStatusCode.UnsupportedMediaType, "OTLP_UNSUPPORTED_MEDIA_TYPE");
            }

            await AssertProblemAsync(await dashboard.GetAsync("/api/traces?limit=0", Cancel), HttpStatusCode.BadRequest, "INVALID_LIMIT");
            await AssertProblemAsync(await dashboard.GetAsync("/api/traces?min_duration_ms=soon", Cancel), HttpStatusCode.BadRequest, "INVALID_MIN_DURATION");
            await AssertProblemAsync(await dashboard.GetAsync("/api/traces?error=maybe", Cancel), HttpStatusCode.BadRequest, "INVALID_ERROR_FILTER");
            await AssertProblemAsync(await dashboard.GetAsync("/api/traces/not-a-trace", Cancel), HttpStatusCode.BadRequest, "INVALID_TRACE_ID");
            await AssertProblemAsync(await dashboard.GetAsync("/api/traces/" + new string('a', 32), Cancel), HttpStatusCode.NotFound, "TRACE_NOT_FOUND");
            await AssertProblemAsync(await dashboard.GetAsync("/api/logs?level=loud", Cancel), HttpStatusCode.BadRequest, "INVALID_LEVEL");
            await AssertProblemAsync(await dashboard.GetAsync("/api/metrics/nobody/nothing", Cancel), HttpStatusCode.NotFound, "METRIC_NOT_FOUND");
            await AssertProblemAsync(await dashboard.GetAsync("/api/resources/nobody", Cancel), HttpStatusCode.NotFound, "RESOURCE_NOT_FOUND");
        }
        finally
        {
            await StopAsync(host, dashboard, state);
        }
    }

    [Fact]
    public async Task The_limits_hold_when_more_is_sent_than_fits_and_the_oldest_goes_first()
    {
        var limits = new TelemetryLimits { MaxSpanCount = 20, MaxLogCount = 15, MaxMetricPointsPerSeries = 4, MaxMetricSeriesCount = 3 };
        var (host, dashboard, state) = await StartDashboardAsync(limits);
        try
        {
            var traceIds = new List<string>();
            for (var batch = 0; batch < 5; batch++)
            {
                var spans = new ExportTraceServiceRequest();
                var scope = new ScopeSpans();
                for (var i = 0; i < 10; i++)
                {
                    var traceId = ActivityTraceId.CreateRandom().ToHexString();
                    traceIds.Add(traceId);
                    scope.Spans.Add(new Span
                    {
                        TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
                        SpanId = ByteString.CopyFrom(Convert.FromHexString(ActivitySpanId.CreateRandom().ToHexString())),
                        Name = $"span {traceIds.Count}",
                        StartTimeUnixNano = 1_700_000_000_000_000_000UL + ((ulong)traceIds.Count * 1_000_000UL),
                        EndTimeUnixNano = 1_700_000_000_000_000_000UL + ((ulong)traceIds.Count * 1_000_000UL) + 1000,
                    });
                }

                spans.ResourceSpans.Add(new ResourceSpans { Resource = Named("limits-test"), ScopeSpans = { scope } });
                await PostAsync(dashboard, "/v1/traces", spans);

                var logs = new ScopeLogs();
                for (var i = 0; i < 10; i++)
                {
                    logs.LogRecords.Add(new LogRecord
                    {
                        TimeUnixNano = 1_700_000_000_000_000_000UL,
                        SeverityNumber = SeverityNumber.Info,
                        Body = new AnyValue { StringValue = $"log {(batch * 10) + i}" },
                    });
                }

                await PostAsync(dashboard, "/v1/logs", new ExportLogsServiceRequest { ResourceLogs = { new ResourceLogs { Resource = Named("limits-test"), ScopeLogs = { logs } } } });

                var gauge = new Gauge();
                for (var series = 0; series < 5; series++)
                {
                    gauge.DataPoints.Add(new NumberDataPoint
                    {
                        TimeUnixNano = 1_700_000_000_000_000_000UL + ((ulong)batch * 1_000_000_000UL),
                        AsDouble = batch,
                        Attributes = { new KeyValue { Key = "series", Value = new AnyValue { IntValue = series } } },
                    });
                }

                await PostAsync(dashboard, "/v1/metrics", new ExportMetricsServiceRequest
                {
                    ResourceMetrics = { new ResourceMetrics { Resource = Named("limits-test"), ScopeMetrics = { new ScopeMetrics { Metrics = { new Metric { Name = "queue.depth", Gauge = gauge } } } } } },
                });
            }

            var stats = await dashboard.GetFromJsonAsync<JsonElement>("/api/telemetry", Cancel);
            Assert.Equal(20, stats.GetProperty("span_count").GetInt32());
            Assert.Equal(30, stats.GetProperty("spans_dropped").GetInt64());
            Assert.Equal(15, stats.GetProperty("log_count").GetInt32());
            Assert.Equal(35, stats.GetProperty("logs_dropped").GetInt64());
            Assert.Equal(3, stats.GetProperty("metric_series_count").GetInt32());
            Assert.Equal(3, stats.GetProperty("metric_point_count").GetInt32());
            Assert.Equal(22, stats.GetProperty("metric_series_evicted").GetInt64());

            // The oldest spans and logs went first; the newest are all there.
            Assert.Equal(HttpStatusCode.NotFound, (await dashboard.GetAsync($"/api/traces/{traceIds[0]}", Cancel)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await dashboard.GetAsync($"/api/traces/{traceIds[^1]}", Cancel)).StatusCode);
            var listed = await dashboard.GetFromJsonAsync<JsonElement>("/api/traces?resource=limits-test&limit=1000", Cancel);
            Assert.Equal(traceIds.TakeLast(20).Reverse(), listed.EnumerateArray().Select(t => t.GetProperty("trace_id").GetString()));
            var logsLeft = await dashboard.GetFromJsonAsync<JsonElement>("/api/logs?resource=limits-test&limit=1000", Cancel);
            Assert.Equal(Enumerable.Range(35, 15).Reverse().Select(i => $"log {i}"), logsLeft.EnumerateArray().Select(l => l.GetProperty("message").GetString()));
            var depth = await dashboard.GetFromJsonAsync<JsonElement>("/api/metrics/limits-test/queue.depth", Cancel);
            // Past the series limit the series updated longest ago makes room: five series taking turns on three places
            // leave the last three written, each with the point it got since it came back.
            var kept = depth.GetProperty("series").EnumerateArray().ToList();
            Assert.Equal(["2", "3", "4"], kept.Select(series => series.GetProperty("attributes").GetProperty("series").GetString()).Order());
            Assert.All(kept, series => Assert.Equal([4.0], series.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDouble())));
        }
        finally
        {
            await StopAsync(host, dashboard, state);
        }
    }

    private static void Configure(OtlpExporterOptions options, FinqwareHost host, string path)
    {
        options.Endpoint = new Uri(host.DashboardUrl + path);
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.ExportProcessorType = ExportProcessorType.Simple;
    }

    private static OpenTelemetry.Proto.Resource.V1.Resource Named(string name) => new()
    {
        Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = name } } },
    };

    private async Task PostAsync(HttpClient dashboard, string path, IMessage message)
    {
        using var content = new ByteArrayContent(message.ToByteArray());
        content.Headers.ContentType = new("application/x-protobuf");
        var response = await dashboard.PostAsync(path, content, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, JsonSerializer.Deserialize<JsonElement>(body).GetProperty("code").GetString());
    }
}
