namespace Finqware.SkillConnectors.Sdk;

/// <summary>A connector's settings (section <c>Connector</c>, docs/connectors.md), checked at start.</summary>
public sealed class ConnectorOptions
{
    public const string Section = "Connector";

    /// <summary>How often each instance tells the catalog it is alive.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Manifests are announced again this often, so services that start later (or lost state) catch up.</summary>
    public TimeSpan ReannounceInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Tell the catalog when stopping, so the skill turns UNAVAILABLE at once (rather than after the liveness window).</summary>
    public bool SayGoodbye { get; set; } = true;

    /// <summary>How long the goodbye may wait for the broker before the connector stops without it.</summary>
    public TimeSpan GoodbyeTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often each instance looks for due follow-ups (<see cref="StepOutcome.ThenFollowUp"/>).</summary>
    public TimeSpan FollowUpPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A follow-up that throws is tried again after this long.</summary>
    public TimeSpan FollowUpRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A step's handler ran, but the broker did not take what it published, or the database did not store its outcome (a
    /// restart, a dropped connection): the SDK tries again, with backoff, this long before it gives the step up (so the
    /// broker's redelivery runs the handler again).
    /// </summary>
    public TimeSpan OutcomeRetryFor { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long handlers in flight may go on after the connector starts shutting down before their token is cancelled.</summary>
    public TimeSpan StepStopGrace { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Legacy: the key a SessionService before 1.1.0 wanted for attachments. A current SessionService sends each step a
    /// grant for its own documents (<c>ProcessStep.AttachmentGrant</c>), which the SDK uses instead; leave this unset.
    /// </summary>
    public string? InternalKey { get; set; }

    /// <summary>A stable id of this process (default: a new one per start).</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
}
