namespace Finqware.SessionService.Internal;

/// <summary>Who may call <see cref="InternalApi"/>.</summary>
public sealed class InternalApiOptions
{
    public const string Section = "InternalApi";

    /// <summary>
    /// Legacy, for connectors built on SDK 1.0.0 only (they send <c>Connector:InternalKey</c> and no grant): a key that
    /// reads every document. Leave it unset (the default, and the AppHost's) once every connector reads with the
    /// step's grant (<see cref="AttachmentGrants"/>); then no key reads anything.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>How long a step's attachment grant (<c>ProcessStep.AttachmentGrant</c>) reads its documents.</summary>
    public TimeSpan GrantLifetime { get; set; } = TimeSpan.FromMinutes(15);
}
