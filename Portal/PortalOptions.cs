using System.ComponentModel.DataAnnotations;

namespace Finqware.Portal;

/// <summary>The portal's settings (<c>Portal__*</c>, docs/configuration.md).</summary>
public sealed class PortalOptions
{
    public const string Section = "Portal";

    /// <summary>
    /// The public address of the gateway, as a browser reaches it (the AppHost gives the gateway's URL; a cluster the
    /// ingress host): the sandbox wizard's redirect URI, <c>{PublicBaseUrl}/portal/sandbox/return</c>, and the curl lines.
    /// </summary>
    [Required]
    public Uri? PublicBaseUrl { get; set; }
}
