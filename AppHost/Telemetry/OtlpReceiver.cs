using System.Globalization;
using System.IO.Compression;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Trace.V1;
using ProtoResource = OpenTelemetry.Proto.Resource.V1.Resource;

using Finqware.AppHost.Dashboard;

namespace Finqware.AppHost.Telemetry;

/// <summary>
/// OTLP/HTTP on the dashboard's port, as the OpenTelemetry exporters send it when <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> is
/// <c>http/protobuf</c>: <c>POST /v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c> with a protobuf body (gzip or
/// not), or OTLP's JSON encoding. Each resource is named by its <c>service.name</c> (the AppHost sets it to the
/// resource's name through <c>OTEL_SERVICE_NAME</c>).
/// </summary>
public static class OtlpReceiver
{
    public const string Protobuf = "application/x-protobuf";
    public const string Json = "application/json";
    private const int MaxBodyBytes = 32 * 1024 * 1024;
    private static readonly JsonParser JsonParser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static IEndpointRouteBuilder MapOtlpReceiver(this IEndpointRouteBuilder endpoints, TelemetryStore store)
    {
        endpoints.MapPost("/v1/traces", (HttpRequest request) => ReceiveAsync(request, ExportTraceServiceRequest.Parser, r =>
        {
            store.AddSpans(Spans(r, store.Limits));
            return new ExportTraceServiceResponse();
        }));
        endpoints.MapPost("/v1/logs", (HttpRequest request) => ReceiveAsync(request, ExportLogsServiceRequest.Parser, r =>
        {
            store.AddLogs(Logs(r, store.Limits));
            return new ExportLogsServiceResponse();
        }));
        endpoints.MapPost("/v1/metrics", (HttpRequest request) => ReceiveAsync(request, ExportMetricsServiceRequest.Parser, r =>
        {
            AddMetrics(store, r);
            return new ExportMetricsServiceResponse();
        }));
        return endpoints;
    }

    private static async Task<IResult> ReceiveAsync<TRequest>(HttpRequest request, MessageParser<TRequest> parser, Func<TRequest, IMessage> accept)
        where TRequest : IMessage<TRequest>, new()
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not (Protobuf or Json))
        {
            return DashboardProblems.Create(StatusCodes.Status415UnsupportedMediaType, "OTLP_UNSUPPORTED_MEDIA_TYPE",
                $"Send OTLP as {Protobuf} or {Json}.");
        }

        byte[] body;
        try
        {
            body = await ReadBodyAsync(request);
        }
        catch (InvalidDataException)
        {
            return DashboardProblems.Create(StatusCodes.Status400BadRequest, "OTLP_INVALID_BODY", "The gzip body could not be decompressed.");
        }
        catch (BadHttpRequestException)
        {
            return DashboardProblems.Create(StatusCodes.Status413PayloadTooLarge, "OTLP_BODY_TOO_LARGE", $"An OTLP request may hold at most {MaxBodyBytes} bytes.");
        }

        TRequest message;
        try
        {
            message = mediaType == Protobuf ? parser.ParseFrom(body) : JsonParser.Parse<TRequest>(System.Text.Encoding.UTF8.GetString(body));
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            return DashboardProblems.Create(StatusCodes.Status400BadRequest, "OTLP_INVALID_BODY", $"The body is not an OTLP {typeof(TRequest).Name}.", ex.Message);
        }

        var response = accept(message);
        return mediaType == Protobuf
            ? Results.Bytes(response.ToByteArray(), Protobuf)
            : Results.Text(JsonFormatter.Default.Format(response), Json);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        Stream source = request.Body;
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            source = new GZipStream(source, CompressionMode.Decompress);
        }

        await using (source)
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await source.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    throw new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge);
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private static List<SpanRecord> Spans(ExportTraceServiceRequest request, TelemetryLimits limits)
    {
        var result = new List<SpanRecord>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = ResourceName(resourceSpans.Resource);
            foreach (var scope in resourceSpans.ScopeSpans)
            {
                foreach (var span in scope.Spans)
                {
                    var start = Time(span.StartTimeUnixNano);
                    result.Add(new SpanRecord(
                        Hex(span.TraceId),
                        Hex(span.SpanId),
                        span.ParentSpanId.IsEmpty ? null : Hex(span.ParentSpanId),
                        resource,
                        scope.Scope?.Name ?? "",
                        span.Name,
                        KindName(span.Kind),
                        start,
                        span.EndTimeUnixNano >= span.StartTimeUnixNano ? (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1_000_000.0 : 0,
                        span.Status?.Code switch
                        {
                            OpenTelemetry.Proto.Trace.V1.Status.Types.StatusCode.Error => "error",
                            OpenTelemetry.Proto.Trace.V1.Status.Types.StatusCode.Ok => "ok",
                            _ => "unset",
                        },
                        string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
                        Attributes(span.Attributes, limits),
                        span.Events.Select(e => new SpanEventRecord(e.Name, Time(e.TimeUnixNano), Attributes(e.Attributes, limits))).ToList()));
                }
            }
        }

        return result;
    }

    private static List<Func<long, LogRecordView>> Logs(ExportLogsServiceRequest request, TelemetryLimits limits)
    {
        var result = new List<Func<long, LogRecordView>>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var resource = ResourceName(resourceLogs.Resource);
            foreach (var scope in resourceLogs.ScopeLogs)
            {
                foreach (var log in scope.LogRecords)
                {
                    var time = Time(log.TimeUnixNano != 0 ? log.TimeUnixNano : log.ObservedTimeUnixNano);
                    var severity = (int)log.SeverityNumber;
                    var message = Cut(log.Body is null ? "" : Text(log.Body), limits);
                    var attributes = Attributes(log.Attributes, limits);
                    var category = scope.Scope?.Name ?? "";
                    var traceId = log.TraceId.IsEmpty ? null : Hex(log.TraceId);
                    var spanId = log.SpanId.IsEmpty ? null : Hex(log.SpanId);
                    result.Add(sequence => new LogRecordView(
                        sequence, time, resource, LevelName(severity), severity, category, message, traceId, spanId, attributes));
                }
            }
        }

        return result;
    }

    private static void AddMetrics(TelemetryStore store, ExportMetricsServiceRequest request)
    {
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var resource = ResourceName(resourceMetrics.Resource);
            foreach (var scope in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scope.Metrics)
                {
                    AddMetric(store, resource, scope.Scope?.Name ?? "", metric);
                }
            }
        }
    }

    private static void AddMetric(TelemetryStore store, string resource, string scope, Metric metric)
    {
        MetricDescriptor Describe(string type, bool monotonic, AggregationTemporality temporality) =>
            new(metric.Name, metric.Description, metric.Unit, type, scope, monotonic, temporality == AggregationTemporality.Delta);

        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                AddNumbers(store, resource, Describe("gauge", false, AggregationTemporality.Cumulative), metric.Gauge.DataPoints);
                break;
            case Metric.DataOneofCase.Sum:
                AddNumbers(store, resource, Describe("sum", metric.Sum.IsMonotonic, metric.Sum.AggregationTemporality), metric.Sum.DataPoints);
                break;
            case Metric.DataOneofCase.Histogram:
                var histogram = Describe("histogram", false, metric.Histogram.AggregationTemporality);
                foreach (var p in metric.Histogram.DataPoints)
                {
                    store.AddMetricPoint(resource, histogram, Attributes(p.Attributes, store.Limits), new MetricPoint(
                        Time(p.TimeUnixNano), Time(p.StartTimeUnixNano), p.Count, p.HasSum ? p.Sum : null,
                        p.BucketCounts.Select(c => (long)c).ToArray(), [.. p.ExplicitBounds]));
                }

                break;
            case Metric.DataOneofCase.ExponentialHistogram:
                var exponential = Describe("histogram", false, metric.ExponentialHistogram.AggregationTemporality);
                foreach (var p in metric.ExponentialHistogram.DataPoints)
                {
                    store.AddMetricPoint(resource, exponential, Attributes(p.Attributes, store.Limits), new MetricPoint(
                        Time(p.TimeUnixNano), Time(p.StartTimeUnixNano), p.Count, p.HasSum ? p.Sum : null, null, null));
                }

                break;
            case Metric.DataOneofCase.Summary:
                var summary = Describe("summary", false, AggregationTemporality.Cumulative);
                foreach (var p in metric.Summary.DataPoints)
                {
                    store.AddMetricPoint(resource, summary, Attributes(p.Attributes, store.Limits), new MetricPoint(
                        Time(p.TimeUnixNano), Time(p.StartTimeUnixNano), p.Count, p.Sum, null, null));
                }

                break;
        }
    }

    private static void AddNumbers(TelemetryStore store, string resource, MetricDescriptor descriptor, RepeatedField<NumberDataPoint> points)
    {
        foreach (var p in points)
        {
            var value = p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble;
            store.AddMetricPoint(resource, descriptor, Attributes(p.Attributes, store.Limits), new MetricPoint(
                Time(p.TimeUnixNano), Time(p.StartTimeUnixNano), value, null, null, null));
        }
    }

    /// <summary>The resource's <c>service.name</c>, or <c>unknown_service</c> as the OpenTelemetry SDKs call a nameless one.</summary>
    public static string ResourceName(ProtoResource? resource) =>
        resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value is { } name ? Text(name) : "unknown_service";

    private static Dictionary<string, string> Attributes(RepeatedField<KeyValue> attributes, TelemetryLimits limits)
    {
        var result = new Dictionary<string, string>(attributes.Count, StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = Cut(attribute.Value is null ? "" : Text(attribute.Value), limits);
        }

        return result;
    }

    private static string Text(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => kv.Key + ": " + (kv.Value is null ? "" : Text(kv.Value)))) + "}",
        _ => "",
    };

    private static string Cut(string text, TelemetryLimits limits) =>
        text.Length <= limits.MaxAttributeLength ? text : string.Concat(text.AsSpan(0, limits.MaxAttributeLength), "…");

    /// <summary>
    /// Ids as OTLP's JSON writes them: lower-case hex. A JSON body's hex ids reach us base64-decoded by the protobuf
    /// JSON parser (hex digits are base64 characters too), so their base64 text is the hex the sender wrote.
    /// </summary>
    private static string Hex(ByteString id)
    {
        if (id.Length is 16 or 8)
        {
            return Convert.ToHexStringLower(id.Span);
        }

        var text = id.ToBase64();
        return text.Length is 32 or 16 && text.All(char.IsAsciiHexDigit) ? text.ToLowerInvariant() : Convert.ToHexStringLower(id.Span);
    }

    private static DateTimeOffset Time(ulong unixNano) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(unixNano / 100));

    private static string KindName(Span.Types.SpanKind kind) => kind switch
    {
        Span.Types.SpanKind.Server => "server",
        Span.Types.SpanKind.Client => "client",
        Span.Types.SpanKind.Producer => "producer",
        Span.Types.SpanKind.Consumer => "consumer",
        _ => "internal",
    };

    /// <summary>OTLP's severity number as the .NET log level it came from.</summary>
    public static string LevelName(int severity) => severity switch
    {
        >= 21 => "Critical",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => "Unspecified",
    };

    /// <summary>The lowest severity number of a level name (<c>warning</c> is 13), or null for an unknown name.</summary>
    public static int? SeverityOf(string level) => level.ToLowerInvariant() switch
    {
        "trace" => 1,
        "debug" => 5,
        "information" or "info" => 9,
        "warning" or "warn" => 13,
        "error" => 17,
        "critical" or "fatal" => 21,
        _ => null,
    };
}
