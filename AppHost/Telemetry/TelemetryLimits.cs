using System.Globalization;

namespace Finqware.AppHost.Telemetry;

/// <summary>
/// How much telemetry the dashboard keeps in memory; past a limit the oldest goes first. Read from
/// <c>Dashboard__TelemetryLimits__*</c> (Aspire's dashboard uses the same section), see docs/configuration.md.
/// </summary>
public sealed record TelemetryLimits
{
    public const string EnvironmentPrefix = "Dashboard__TelemetryLimits__";

    /// <summary>Spans kept, over every trace.</summary>
    public int MaxSpanCount { get; init; } = 20_000;

    /// <summary>Structured log records kept.</summary>
    public int MaxLogCount { get; init; } = 20_000;

    /// <summary>Points kept per metric time series (one per export, every 5 s by default: 10 minutes).</summary>
    public int MaxMetricPointsPerSeries { get; init; } = 120;

    /// <summary>
    /// Metric time series kept over every resource and instrument (the whole system exports a few thousand); past it a
    /// new series replaces the one updated longest ago. With the points per series, at most 720,000 points are held.
    /// </summary>
    public int MaxMetricSeriesCount { get; init; } = 6_000;

    /// <summary>Attribute values and log messages longer than this are cut.</summary>
    public int MaxAttributeLength { get; init; } = 2_048;

    public static TelemetryLimits FromEnvironment()
    {
        var defaults = new TelemetryLimits();
        return new TelemetryLimits
        {
            MaxSpanCount = Read(nameof(MaxSpanCount), defaults.MaxSpanCount),
            MaxLogCount = Read(nameof(MaxLogCount), defaults.MaxLogCount),
            MaxMetricPointsPerSeries = Read(nameof(MaxMetricPointsPerSeries), defaults.MaxMetricPointsPerSeries),
            MaxMetricSeriesCount = Read(nameof(MaxMetricSeriesCount), defaults.MaxMetricSeriesCount),
            MaxAttributeLength = Read(nameof(MaxAttributeLength), defaults.MaxAttributeLength),
        };
    }

    private static int Read(string name, int fallback)
    {
        var value = Environment.GetEnvironmentVariable(EnvironmentPrefix + name);
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new InvalidOperationException($"{EnvironmentPrefix}{name} must be a positive whole number (got '{value}').");
    }
}
