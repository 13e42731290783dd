namespace Finqware.SessionService.Connections;

/// <summary>The connection expiry sweep's settings (<see cref="ConnectionExpirySweep"/>), checked at start.</summary>
public sealed class ConnectionOptions
{
    public const string Section = "Connections";

    /// <summary>How often the sweep looks for connections to expire or to warn about.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>CONNECTION_EXPIRING is sent this long before valid_until.</summary>
    public TimeSpan ExpiringNotice { get; set; } = TimeSpan.FromDays(7);
}
