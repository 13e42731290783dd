using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Tokens;

/// <summary>The edge rate limits of logins and token requests (<see cref="AuthSetup.AddEdgeRateLimits"/>), checked at start.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Logins per client address per window.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "RateLimits:LoginPermits must be 1 or more.")]
    public int LoginPermits { get; set; } = 10;

    /// <summary>Token requests per client address per window.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "RateLimits:TokenPermits must be 1 or more.")]
    public int TokenPermits { get; set; } = 60;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
