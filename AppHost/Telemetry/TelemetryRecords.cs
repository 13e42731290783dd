namespace Finqware.AppHost.Telemetry;

/// <summary>One span as the dashboard keeps it (OTLP's ids as lower-case hex).</summary>
public sealed record SpanRecord(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Resource,
    string Scope,
    string Name,
    string Kind,
    DateTimeOffset Start,
    double DurationMs,
    string Status,
    string? StatusMessage,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<SpanEventRecord> Events)
{
    public bool IsError => Status == "error";
}

public sealed record SpanEventRecord(string Name, DateTimeOffset Time, IReadOnlyDictionary<string, string> Attributes);

/// <summary>A trace in the list: its root, when, how long, which resources, whether a span failed.</summary>
public sealed record TraceSummary(
    string TraceId,
    string Name,
    string Resource,
    DateTimeOffset Start,
    double DurationMs,
    int SpanCount,
    int ErrorCount,
    bool Error,
    IReadOnlyList<string> Resources);

public sealed record TraceDetail(
    string TraceId,
    DateTimeOffset Start,
    double DurationMs,
    bool Error,
    IReadOnlyList<string> Resources,
    IReadOnlyList<SpanRecord> Spans);

/// <summary>One structured log record; <see cref="Level"/> is the .NET name of its severity.</summary>
public sealed record LogRecordView(
    long Sequence,
    DateTimeOffset Time,
    string Resource,
    string Level,
    int SeverityNumber,
    string Category,
    string Message,
    string? TraceId,
    string? SpanId,
    IReadOnlyDictionary<string, string> Attributes);

public sealed record InstrumentView(string Name, string Description, string Unit, string Type, string Scope, int SeriesCount);

public sealed record ResourceInstruments(string Resource, IReadOnlyList<InstrumentView> Instruments);

/// <summary>
/// A point as charted: <see cref="Value"/> is the gauge's or sum's value or the histogram's count; <see cref="Rate"/>
/// the per-second increase since the previous point (counters, histograms); <see cref="Mean"/> and <see cref="P95"/>
/// the histogram's measurements in that interval.
/// </summary>
public sealed record MetricPointView(DateTimeOffset Time, double Value, double? Sum, double? Rate, double? Mean, double? P95);

public sealed record MetricSeriesView(IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<MetricPointView> Points);

public sealed record InstrumentSeries(
    string Resource,
    string Name,
    string Description,
    string Unit,
    string Type,
    bool Monotonic,
    IReadOnlyList<MetricSeriesView> Series);

/// <summary>What the stores hold against their limits, and how much they dropped.</summary>
public sealed record TelemetryStats(
    int SpanCount,
    int TraceCount,
    long SpansDropped,
    int LogCount,
    long LogsDropped,
    int MetricSeriesCount,
    int MetricPointCount,
    long MetricPointsDropped,
    long MetricSeriesEvicted,
    TelemetryLimits Limits);
