namespace Finqware.SessionService.Usage;

/// <summary>How <see cref="UsageShipper"/> moves captured usage to the outbox (docs/usage.md).</summary>
public sealed class UsageOptions
{
    public const string Section = "Usage";

    /// <summary>How often captured usage is moved to the outbox; most of the delay before a count is visible (docs/usage.md).</summary>
    public TimeSpan ShipInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most events one <c>UsageRecorded</c> message carries.</summary>
    public int BatchSize { get; set; } = 500;
}
