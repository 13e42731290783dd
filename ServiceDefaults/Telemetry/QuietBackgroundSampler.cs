using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Finqware.ServiceDefaults.Telemetry;

/// <summary>
/// Every trace is sampled (parent-based, always on) except the database queries that start a trace of their own: the
/// outbox relays, follow-up pollers and health checks query PostgreSQL every second or so, and each such query would
/// otherwise be a one-span trace drowning the ones that matter on the dashboard. A query inside a request, a consumer
/// or any other span is kept.
/// </summary>
public sealed class QuietBackgroundSampler : Sampler
{
    private static readonly Sampler Inner = new ParentBasedSampler(new AlwaysOnSampler());

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        if (samplingParameters.ParentContext.TraceId == default && samplingParameters.Kind == ActivityKind.Client && IsDatabaseQuery(samplingParameters))
        {
            return new SamplingResult(SamplingDecision.Drop);
        }

        return Inner.ShouldSample(samplingParameters);
    }

    private static bool IsDatabaseQuery(in SamplingParameters parameters)
    {
        if (parameters.Name is "postgresql")
        {
            return true;
        }

        if (parameters.Tags is { } tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key is "db.system" or "db.system.name")
                {
                    return true;
                }
            }
        }

        return false;
    }
}
