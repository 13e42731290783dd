using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Finqware.Client;

/// <summary>
/// Checks the <c>Finqware-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c> header of a webhook Finqware sent:
/// <c>v1 = HMAC-SHA256(key, t + "." + body)</c> with <c>key</c> the 32-byte SHA-256 of the tenant's <c>webhook_secret</c>
/// (docs/sessions.md), compared in constant time, and <c>t</c> no older than the tolerance (replays).
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Finqware-Signature";

    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>True when <paramref name="header"/> signs <paramref name="body"/> (exactly as received) with the secret, recently.</summary>
    public static bool Verify(string webhookSecret, string? header, string body, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (string.IsNullOrEmpty(header))
        {
            return false;
        }

        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var pair = part.Trim().Split('=', 2);
            if (pair.Length != 2)
            {
                continue;
            }

            if (pair[0] == "t" && long.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (pair[0] == "v1")
            {
                signatures.Add(pair[1]);
            }
        }

        if (timestamp is not { } seconds || signatures.Count == 0
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > (tolerance ?? DefaultTolerance))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(webhookSecret, seconds, body));
        return signatures.Aggregate(false, (ok, candidate) => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(candidate.ToLowerInvariant())) | ok);
    }

    /// <summary>The <c>v1</c> value for <paramref name="timestamp"/> and <paramref name="body"/> (hex, lower case).</summary>
    public static string Compute(string webhookSecret, long timestamp, string body)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(webhookSecret));
        var signed = timestamp.ToString(CultureInfo.InvariantCulture) + "." + body;
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed)));
    }
}
