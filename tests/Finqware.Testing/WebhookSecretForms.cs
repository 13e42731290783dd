using System.Security.Cryptography;
using System.Text;

namespace Finqware.Testing;

public static class WebhookSecretForms
{
    /// <summary>
    /// A webhook secret and every form of its signing key (its SHA-256: what signed webhooks before they were sealed) a
    /// reader of a database or a message could use: hex, base64, base64url.
    /// </summary>
    public static IReadOnlyList<string> Of(string secret)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        return [secret, Convert.ToHexString(key), Convert.ToBase64String(key), Convert.ToBase64String(key).TrimEnd('=').Replace('+', '-').Replace('/', '_')];
    }
}
