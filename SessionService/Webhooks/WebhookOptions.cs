using System.ComponentModel.DataAnnotations;

namespace Finqware.SessionService.Webhooks;

/// <summary>How webhooks are delivered and retried (<see cref="WebhookDispatcher"/>), checked at start.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The first retry waits this long; each next one twice as long, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Attempts before a delivery is given up (FAILED).</summary>
    [Range(1, 1000, ErrorMessage = "Webhooks:MaxAttempts must be from 1 to 1000.")]
    public int MaxAttempts { get; set; } = 10;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
