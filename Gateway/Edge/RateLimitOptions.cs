using System.ComponentModel.DataAnnotations;

namespace Finqware.Gateway.Edge;

/// <summary>
/// The gateway's budgets, one per route class (<see cref="RouteClasses"/>): <c>RateLimits__Classes__client__PermitLimit</c>,
/// <c>RateLimits__Classes__client__Window</c>, and so on. Each gateway instance counts on its own (docs/api-conventions.md).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;

    public Dictionary<string, RateLimitClass> Classes { get; set; } = new(StringComparer.Ordinal)
    {
        [RouteClasses.Client] = new() { PermitLimit = 600 },
        [RouteClasses.Server] = new() { PermitLimit = 1200 },
        [RouteClasses.Management] = new() { PermitLimit = 300 },
        [RouteClasses.Anonymous] = new() { PermitLimit = 300 },
    };
}

public sealed class RateLimitClass
{
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 600;

    /// <summary>The window, aligned to the clock (a 1-minute window resets at every full minute).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
