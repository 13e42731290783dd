using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Finqware.SessionService.Telemetry;

/// <summary>
/// SessionService's own instruments, on its one <see cref="Meter"/> (named after the service; ServiceDefaults exports
/// every <c>Finqware.*</c> meter): sessions opened, steps by outcome, and how long a step took from submission to
/// its outcome. Shown on the dashboard's metrics page under the <c>sessions</c> resource.
/// </summary>
public sealed class SessionMetrics
{
    public const string MeterName = "Finqware.SessionService";

    private readonly Counter<long> sessionsOpened;
    private readonly Counter<long> stepsProcessed;
    private readonly Histogram<double> stepDuration;

    public SessionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        sessionsOpened = meter.CreateCounter<long>("finqware.sessions.opened", "{session}", "Sessions opened");
        stepsProcessed = meter.CreateCounter<long>("finqware.steps.processed", "{step}", "Step outcomes applied, by outcome");
        stepDuration = meter.CreateHistogram<double>("finqware.steps.duration", "ms", "From a step's submission to the connector's outcome");
    }

    public void SessionOpened(string skill) => sessionsOpened.Add(1, new KeyValuePair<string, object?>("finqware.skill", skill));

    public void StepProcessed(string skill, string outcome, TimeSpan sinceSubmitted)
    {
        var tags = new TagList { { "finqware.skill", skill }, { "finqware.outcome", outcome } };
        stepsProcessed.Add(1, tags);
        stepDuration.Record(Math.Max(0, sinceSubmitted.TotalMilliseconds), tags);
    }
}
