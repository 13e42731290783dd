namespace Finqware.SessionService.Internal;

/// <summary>Who may call <see cref="InternalApi"/>.</summary>
public sealed class InternalApiOptions
{
    public const string Section = "InternalApi";

    /// <summary>
    /// Shared with the connectors (their <c>Connector:InternalKey</c>). When unset, only loopback callers are served
    /// (a single-machine development setup); production sets it.
    /// </summary>
    public string? Key { get; set; }
}
