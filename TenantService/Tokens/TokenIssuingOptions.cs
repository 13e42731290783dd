using System.ComponentModel.DataAnnotations;

namespace Finqware.TenantService.Tokens;

public sealed class TokenIssuingOptions
{
    public const string Section = "Tokens";

    public const string PortalAudience = "finqware-portal";
    public const string ApiAudience = "finqware-api";

    public string Issuer { get; set; } = "finqware";

    /// <summary>
    /// Base64 of 32 random bytes: encrypts the token signing keys at rest (AES-256-GCM). Required; development
    /// settings carry a value for local runs only.
    /// </summary>
    [Required(ErrorMessage = "Tokens:KeyEncryptionKey (environment Tokens__KeyEncryptionKey) is required: base64 of 32 random bytes, e.g. `openssl rand -base64 32`.")]
    public string KeyEncryptionKey { get; set; } = "";

    public TimeSpan TenantTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan PortalTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A signing key older than this is replaced by a new one (the old stays published until its tokens expire).</summary>
    public TimeSpan SigningKeyRotation { get; set; } = TimeSpan.FromDays(30);
}
