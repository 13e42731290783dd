using Finqware.AppHost.Telemetry;

namespace Finqware.AppHost.Tests;

/// <summary>What the dashboard's telemetry store keeps in memory for metrics.</summary>
public sealed class TelemetryStoreTests
{
    private static readonly MetricDescriptor Latency = new("http.server.request.duration", "", "s", "histogram", "test", false, false);
    private static readonly Dictionary<string, string> Route = new() { ["http.route"] = "/sessions" };

    [Fact]
    public void A_histograms_points_share_one_copy_of_their_bucket_bounds_until_the_bounds_change()
    {
        var store = new TelemetryStore(new TelemetryLimits());
        var start = DateTimeOffset.UnixEpoch;
        MetricPoint Point(int second, double[] bounds) => new(start.AddSeconds(second), start, second, second, [1, 2, 3], bounds);

        store.AddMetricPoint("sessions", Latency, Route, Point(1, [0.1, 0.5]));
        store.AddMetricPoint("sessions", Latency, Route, Point(2, [0.1, 0.5]));
        store.AddMetricPoint("sessions", Latency, Route, Point(3, [0.1, 0.5, 1.0]));
        store.AddMetricPoint("sessions", Latency, Route, Point(4, [0.1, 0.5, 1.0]));

        var points = store.StoredPoints("sessions", Latency.Name, Route);
        Assert.Equal([1.0, 2, 3, 4], points.Select(p => p.Value));
        Assert.Same(points[0].Bounds, points[1].Bounds);
        Assert.Equal([0.1, 0.5, 1.0], points[2].Bounds!);
        Assert.Same(points[2].Bounds, points[3].Bounds);
        Assert.NotSame(points[1].Bounds, points[2].Bounds);
    }
}
