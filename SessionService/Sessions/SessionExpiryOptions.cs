using System.ComponentModel.DataAnnotations;

namespace Finqware.SessionService.Sessions;

/// <summary>The expiry sweep's settings (<see cref="SessionExpirySweeper"/>), checked at start.</summary>
public sealed class SessionExpiryOptions
{
    public const string Section = "Sessions";

    /// <summary>How often sessions past their expiry are looked for (on <see cref="TimeProvider"/>'s clock).</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1, 10_000, ErrorMessage = "Sessions:ExpiryBatchSize must be from 1 to 10000.")]
    public int ExpiryBatchSize { get; set; } = 100;
}
