using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace Finqware.TenantService.Tenants;

/// <summary>
/// Seals a new webhook secret's signing key to SessionService, which signs webhooks (docs/security.md, "Webhook
/// secrets"). TenantService keeps only the sealed form and a fingerprint: it cannot sign a webhook itself.
/// </summary>
public sealed class WebhookKeySealer(IOptions<WebhookSealingOptions> options)
{
    private readonly Lazy<ECDiffieHellmanPublicKey> recipient = new(() => SealedBox.ImportPublicKey(options.Value.PublicKey));

    /// <summary>The key webhooks are signed with for <paramref name="webhookSecret"/>: its SHA-256 (what the tenant's verifier derives).</summary>
    public static byte[] SigningKey(string webhookSecret) => SHA256.HashData(Encoding.UTF8.GetBytes(webhookSecret));

    public string Seal(string clientId, Guid keyId, string webhookSecret)
    {
        var key = SigningKey(webhookSecret);
        try
        {
            return SealedBox.Seal(recipient.Value, key, SealedWebhookKey.ContextFor(clientId, keyId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public static bool IsValidKey(string publicKey)
    {
        try
        {
            return string.IsNullOrEmpty(publicKey) || SealedBox.ImportPublicKey(publicKey) is not null;
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            return false;
        }
    }

    /// <summary>What tenant_keys.hash holds for a webhook secret: the SHA-256 of its signing key, which cannot sign.</summary>
    public static string Fingerprint(string webhookSecret) => Convert.ToHexStringLower(SHA256.HashData(SigningKey(webhookSecret)));
}
