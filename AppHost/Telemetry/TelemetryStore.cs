namespace Finqware.AppHost.Telemetry;

/// <summary>
/// The dashboard's telemetry, in memory and bounded by <see cref="TelemetryLimits"/>: spans and log records in arrival
/// order (the oldest dropped first), metric points per time series (the oldest point of a series dropped first).
/// Thread-safe: the OTLP receiver writes while the pages read.
/// </summary>
public sealed class TelemetryStore(TelemetryLimits limits)
{
    private readonly Lock spanGate = new();
    private readonly Queue<SpanRecord> spans = new();
    private readonly Dictionary<string, List<SpanRecord>> traces = new(StringComparer.Ordinal);
    private long spansDropped;

    private readonly Lock logGate = new();
    private readonly Queue<LogRecordView> logs = new();
    private long nextLog = 1;
    private long logsDropped;

    private readonly Lock metricGate = new();
    private readonly Dictionary<(string Resource, string Name), Instrument> instruments = [];
    private int seriesCount;
    private int pointCount;
    private long pointsDropped;
    private long seriesEvicted;
    private long metricSequence;

    public TelemetryLimits Limits { get; } = limits;

    public void AddSpans(IEnumerable<SpanRecord> received)
    {
        lock (spanGate)
        {
            foreach (var span in received)
            {
                spans.Enqueue(span);
                if (!traces.TryGetValue(span.TraceId, out var trace))
                {
                    traces[span.TraceId] = trace = [];
                }

                trace.Add(span);
                while (spans.Count > Limits.MaxSpanCount)
                {
                    var oldest = spans.Dequeue();
                    spansDropped++;
                    var owner = traces[oldest.TraceId];
                    owner.Remove(oldest);
                    if (owner.Count == 0)
                    {
                        traces.Remove(oldest.TraceId);
                    }
                }
            }
        }
    }

    /// <summary>Traces, newest first, that touch <paramref name="resource"/>, last at least <paramref name="minDurationMs"/>, and (when asked) failed.</summary>
    public IReadOnlyList<TraceSummary> Traces(string? resource, double? minDurationMs, bool? error, int limit)
    {
        List<SpanRecord[]> snapshot;
        lock (spanGate)
        {
            snapshot = traces.Values.Select(t => t.ToArray()).ToList();
        }

        return snapshot
            .Where(t => resource is null || t.Any(s => s.Resource == resource))
            .Select(Summarize)
            .Where(t => minDurationMs is null || t.DurationMs >= minDurationMs)
            .Where(t => error is null || t.Error == error)
            .OrderByDescending(t => t.Start)
            .Take(limit)
            .ToList();
    }

    public TraceDetail? Trace(string traceId)
    {
        SpanRecord[] trace;
        lock (spanGate)
        {
            if (!traces.TryGetValue(traceId, out var found))
            {
                return null;
            }

            trace = [.. found];
        }

        var summary = Summarize(trace);
        return new TraceDetail(summary.TraceId, summary.Start, summary.DurationMs, summary.Error, summary.Resources, [.. trace.OrderBy(s => s.Start)]);
    }

    public void AddLogs(IEnumerable<Func<long, LogRecordView>> received)
    {
        lock (logGate)
        {
            foreach (var create in received)
            {
                logs.Enqueue(create(nextLog++));
                while (logs.Count > Limits.MaxLogCount)
                {
                    logs.Dequeue();
                    logsDropped++;
                }
            }
        }
    }

    /// <summary>Log records, newest first. <paramref name="minimumLevel"/> is a severity number (Warning is 13).</summary>
    public IReadOnlyList<LogRecordView> Logs(string? resource, int? minimumLevel, string? text, string? traceId, long? after, int limit)
    {
        List<LogRecordView> snapshot;
        lock (logGate)
        {
            snapshot = [.. logs];
        }

        return Enumerable.Reverse(snapshot)
            .Where(l => after is null || l.Sequence > after)
            .Where(l => resource is null || l.Resource == resource)
            .Where(l => minimumLevel is null || l.SeverityNumber >= minimumLevel)
            .Where(l => traceId is null || string.Equals(l.TraceId, traceId, StringComparison.OrdinalIgnoreCase))
            .Where(l => text is null
                || l.Message.Contains(text, StringComparison.OrdinalIgnoreCase)
                || l.Category.Contains(text, StringComparison.OrdinalIgnoreCase)
                || l.Attributes.Values.Any(v => v.Contains(text, StringComparison.OrdinalIgnoreCase)))
            .Take(limit)
            .ToList();
    }

    /// <summary>Records one data point of an instrument's series, creating both on first sight (past the series limit, the stalest series is dropped).</summary>
    public void AddMetricPoint(string resource, MetricDescriptor descriptor, IReadOnlyDictionary<string, string> attributes, MetricPoint point)
    {
        var key = SeriesKey(attributes);
        lock (metricGate)
        {
            if (!instruments.TryGetValue((resource, descriptor.Name), out var instrument))
            {
                instruments[(resource, descriptor.Name)] = instrument = new Instrument(descriptor);
            }

            instrument.Descriptor = descriptor;
            if (!instrument.Series.TryGetValue(key, out var series))
            {
                // Full: the series updated longest ago makes room, so a resource that starts late (or a route first
                // called late) is still seen, and what stopped reporting goes first.
                while (seriesCount >= Limits.MaxMetricSeriesCount && EvictStalestSeries())
                {
                }

                instrument.Series[key] = series = new TimeSeries(attributes);
                seriesCount++;
            }

            series.LastUpdate = ++metricSequence;
            // A histogram's bucket bounds rarely change: its points share one copy instead of holding one each.
            if (point.Bounds is { } bounds)
            {
                if (series.Bounds is { } shared && shared.AsSpan().SequenceEqual(bounds))
                {
                    point = point with { Bounds = shared };
                }
                else
                {
                    series.Bounds = bounds;
                }
            }

            series.Points.Enqueue(point);
            pointCount++;
            while (series.Points.Count > Limits.MaxMetricPointsPerSeries)
            {
                series.Points.Dequeue();
                pointCount--;
                pointsDropped++;
            }
        }
    }

    public IReadOnlyList<ResourceInstruments> Instruments()
    {
        lock (metricGate)
        {
            return instruments
                .GroupBy(i => i.Key.Resource)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new ResourceInstruments(g.Key, g
                    .Select(i => new InstrumentView(i.Value.Descriptor.Name, i.Value.Descriptor.Description, i.Value.Descriptor.Unit, i.Value.Descriptor.Type, i.Value.Descriptor.Scope, i.Value.Series.Count))
                    .OrderBy(i => i.Name, StringComparer.Ordinal)
                    .ToList()))
                .ToList();
        }
    }

    /// <summary>The points held for one series, as stored (for tests of what the store keeps).</summary>
    internal IReadOnlyList<MetricPoint> StoredPoints(string resource, string name, IReadOnlyDictionary<string, string> attributes)
    {
        lock (metricGate)
        {
            return instruments.TryGetValue((resource, name), out var instrument) && instrument.Series.TryGetValue(SeriesKey(attributes), out var series)
                ? [.. series.Points]
                : [];
        }
    }

    public InstrumentSeries? Series(string resource, string name)
    {
        List<(IReadOnlyDictionary<string, string> Attributes, MetricPoint[] Points)> series;
        MetricDescriptor descriptor;
        lock (metricGate)
        {
            if (!instruments.TryGetValue((resource, name), out var instrument))
            {
                return null;
            }

            descriptor = instrument.Descriptor;
            series = instrument.Series.Values.Select(s => (s.Attributes, s.Points.ToArray())).ToList();
        }

        return new InstrumentSeries(
            resource, descriptor.Name, descriptor.Description, descriptor.Unit, descriptor.Type, descriptor.Monotonic,
            series.Select(s => new MetricSeriesView(s.Attributes, MetricMath.Chart(descriptor, s.Points))).ToList());
    }

    public TelemetryStats Stats()
    {
        int spanCount, traceCount, logCount, series, points;
        long droppedSpans, droppedLogs, droppedPoints, evicted;
        lock (spanGate)
        {
            (spanCount, traceCount, droppedSpans) = (spans.Count, traces.Count, spansDropped);
        }

        lock (logGate)
        {
            (logCount, droppedLogs) = (logs.Count, logsDropped);
        }

        lock (metricGate)
        {
            (series, points, droppedPoints, evicted) = (seriesCount, pointCount, pointsDropped, seriesEvicted);
        }

        return new TelemetryStats(spanCount, traceCount, droppedSpans, logCount, droppedLogs, series, points, droppedPoints, evicted, Limits);
    }

    private static TraceSummary Summarize(SpanRecord[] trace)
    {
        var ids = trace.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var start = trace.Min(s => s.Start);
        var end = trace.Max(s => s.Start.AddMilliseconds(s.DurationMs));
        var root = trace.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.Start) ?? trace[0];
        var errors = trace.Count(s => s.IsError);
        return new TraceSummary(
            trace[0].TraceId,
            root.Name,
            root.Resource,
            start,
            (end - start).TotalMilliseconds,
            trace.Length,
            errors,
            errors > 0,
            trace.OrderBy(s => s.Start).Select(s => s.Resource).Distinct().ToList());
    }

    private static string SeriesKey(IReadOnlyDictionary<string, string> attributes) =>
        string.Join('\u001f', attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value));

    private sealed class Instrument(MetricDescriptor descriptor)
    {
        public MetricDescriptor Descriptor { get; set; } = descriptor;

        public Dictionary<string, TimeSeries> Series { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Drops the series whose last point is the oldest (a linear scan, only when a new series meets a full store).</summary>
    private bool EvictStalestSeries()
    {
        (Instrument Instrument, string Key, TimeSeries Series)? stalest = null;
        foreach (var instrument in instruments.Values)
        {
            foreach (var (key, series) in instrument.Series)
            {
                if (stalest is null || series.LastUpdate < stalest.Value.Series.LastUpdate)
                {
                    stalest = (instrument, key, series);
                }
            }
        }

        if (stalest is not { } victim)
        {
            return false;
        }

        victim.Instrument.Series.Remove(victim.Key);
        seriesCount--;
        pointCount -= victim.Series.Points.Count;
        seriesEvicted++;
        return true;
    }

    private sealed class TimeSeries(IReadOnlyDictionary<string, string> attributes)
    {
        public IReadOnlyDictionary<string, string> Attributes { get; } = attributes;

        /// <summary>When the series last got a point, on the store's own counter.</summary>
        public long LastUpdate { get; set; }

        public Queue<MetricPoint> Points { get; } = new();

        /// <summary>The bucket bounds of the latest histogram point, shared by the points that have the same.</summary>
        public double[]? Bounds { get; set; }
    }
}

/// <summary>What an instrument is: <see cref="Type"/> is gauge, sum, histogram or summary.</summary>
public sealed record MetricDescriptor(string Name, string Description, string Unit, string Type, string Scope, bool Monotonic, bool Delta);

/// <summary>
/// One received data point: the number (gauge, sum) or the count and sum (histograms, summaries), and for explicit
/// histograms the bucket counts and their upper bounds.
/// </summary>
public sealed record MetricPoint(DateTimeOffset Time, DateTimeOffset StartTime, double Value, double? Sum, long[]? Buckets, double[]? Bounds);

/// <summary>Turns stored points into chartable ones: rates from counters, means and p95s from histogram buckets.</summary>
public static class MetricMath
{
    public static IReadOnlyList<MetricPointView> Chart(MetricDescriptor descriptor, MetricPoint[] points)
    {
        var result = new List<MetricPointView>(points.Length);
        MetricPoint? previous = null;
        foreach (var point in points)
        {
            // Cumulative points restart from zero when the process restarts (a new start time): no delta then.
            var comparable = previous is not null && !descriptor.Delta && previous.StartTime == point.StartTime && point.Value >= previous.Value;
            var seconds = descriptor.Delta ? (point.Time - point.StartTime).TotalSeconds : previous is null ? 0 : (point.Time - previous.Time).TotalSeconds;
            var countDelta = descriptor.Delta ? point.Value : comparable ? point.Value - previous!.Value : (double?)null;
            double? rate = null, mean = null, p95 = null;
            if ((descriptor.Type == "histogram" || descriptor.Monotonic) && countDelta is { } counted && seconds > 0)
            {
                rate = counted / seconds;
            }

            if (descriptor.Type == "histogram" && countDelta is > 0)
            {
                var sumDelta = descriptor.Delta ? point.Sum : point.Sum - previous!.Sum;
                mean = sumDelta / countDelta;
                var buckets = descriptor.Delta || previous?.Buckets is null || point.Buckets is null || previous.Buckets.Length != point.Buckets.Length
                    ? point.Buckets
                    : point.Buckets.Select((b, i) => b - previous.Buckets[i]).ToArray();
                p95 = Percentile(buckets, point.Bounds, 0.95);
            }

            result.Add(new MetricPointView(point.Time, point.Value, point.Sum, rate, mean, p95));
            previous = point;
        }

        return result;
    }

    /// <summary>The upper bound of the bucket holding the <paramref name="quantile"/>'th measurement (linear within the bucket).</summary>
    public static double? Percentile(long[]? buckets, double[]? bounds, double quantile)
    {
        if (buckets is null || bounds is null || buckets.Length == 0)
        {
            return null;
        }

        var total = buckets.Sum();
        if (total <= 0)
        {
            return null;
        }

        var target = quantile * total;
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            if (seen + buckets[i] >= target && buckets[i] > 0)
            {
                var lower = i == 0 ? 0 : bounds[Math.Min(i - 1, bounds.Length - 1)];
                var upper = i < bounds.Length ? bounds[i] : lower;
                return lower + ((upper - lower) * (target - seen) / buckets[i]);
            }

            seen += buckets[i];
        }

        return bounds[^1];
    }
}
