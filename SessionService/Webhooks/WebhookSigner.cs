using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Security;
using Finqware.SessionService.Tenants;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Webhooks;

/// <summary>
/// Signs a webhook with every signing key of the tenant that is valid now: <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>
/// with one <c>v1</c> per key (two during the grace period of a rotation, as Stripe does), each
/// <c>HMAC-SHA256(key, t + "." + body)</c>. The keys are opened from their sealed form for each signature and wiped after.
/// </summary>
public sealed class WebhookSigner(IOptions<WebhookSealingOptions> options) : IDisposable
{
    private readonly Lazy<ECDiffieHellman> privateKey = new(() => SealedBox.ImportPrivateKey(options.Value.PrivateKey));

    /// <summary>The signature header, or null when no key of the tenant opens (none yet, or sealed to another key).</summary>
    public string? Sign(TenantReplica tenant, DateTimeOffset now, string body)
    {
        var t = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.UTF8.GetBytes($"{t}.{body}");
        var header = new StringBuilder("t=").Append(t);
        var any = false;
        foreach (var sealedKey in tenant.WebhookKeysAt(now).OrderBy(k => k.ValidUntil.HasValue))
        {
            var key = SealedBox.Open(privateKey.Value, sealedKey.Sealed, SealedWebhookKey.ContextFor(tenant.ClientId, sealedKey.KeyId));
            if (key is null)
            {
                continue;
            }

            header.Append(",v1=").Append(Convert.ToHexStringLower(HMACSHA256.HashData(key, signed)));
            CryptographicOperations.ZeroMemory(key);
            any = true;
        }

        return any ? header.ToString() : null;
    }

    public void Dispose()
    {
        if (privateKey.IsValueCreated)
        {
            privateKey.Value.Dispose();
        }
    }
}
