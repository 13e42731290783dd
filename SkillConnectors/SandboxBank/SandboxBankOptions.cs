namespace Finqware.SkillConnectors.SandboxBank;

/// <summary>The sandbox bank's settings (<c>SandboxBank__*</c>, docs/configuration.md).</summary>
public sealed class SandboxBankOptions
{
    public const string Section = "SandboxBank";

    /// <summary>The public address of the gateway, where <c>/sandbox/</c> reaches this connector's authorisation page.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long after a decoupled SCA request the sandbox user "approves in the app".</summary>
    public TimeSpan DecoupledApprovalDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The time between a payment's statuses after authorisation (ACTC → ACSP → ACSC).</summary>
    public TimeSpan PaymentStatusDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long after consent the pending transactions book (a new ConnectionDataSynced).</summary>
    public TimeSpan PendingBookingDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a consent is valid.</summary>
    public TimeSpan ConsentValidity { get; set; } = TimeSpan.FromDays(90);
}
