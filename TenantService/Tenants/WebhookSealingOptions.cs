using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Tenants;

public sealed class WebhookSealingOptions
{
    public const string Section = "WebhookSealing";

    /// <summary>SessionService's public key (base64 SubjectPublicKeyInfo, P-256), the pair of its <c>WebhookSealing:PrivateKey</c>.</summary>
    [Required(ErrorMessage = "WebhookSealing:PublicKey (environment WebhookSealing__PublicKey) is required: SessionService's webhook sealing public key, base64 SubjectPublicKeyInfo of a P-256 key (docs/security.md).")]
    public string PublicKey { get; set; } = "";
}
