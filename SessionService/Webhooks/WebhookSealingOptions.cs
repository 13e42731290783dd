using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Finqware.ServiceDefaults.Security;

namespace Finqware.SessionService.Webhooks;

public sealed class WebhookSealingOptions
{
    public const string Section = "WebhookSealing";

    /// <summary>
    /// The private key the tenants' webhook signing keys are sealed to (base64 PKCS#8, P-256); TenantService has its
    /// public half (<c>WebhookSealing:PublicKey</c>). This service alone can open them (docs/security.md).
    /// </summary>
    [Required(ErrorMessage = "WebhookSealing:PrivateKey (environment WebhookSealing__PrivateKey) is required: base64 PKCS#8 of a P-256 key whose public half TenantService has (docs/security.md).")]
    public string PrivateKey { get; set; } = "";

    public static bool IsValidKey(string privateKey)
    {
        try
        {
            using var key = SealedBox.ImportPrivateKey(privateKey);
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return string.IsNullOrEmpty(privateKey);
        }
    }
}
