using System.Security.Cryptography;
using System.Text;
using Finqware.Contracts.Tenants;

namespace Finqware.SessionService.Tenants;

/// <summary>SessionService's copy of a tenant, kept from TenantUpserted / TenantRemoved (never read from TenantService).</summary>
public sealed class TenantReplica
{
    public const string AppKey = "app_key";
    public const string WebhookSecret = "webhook_secret";

    public required string ClientId { get; init; }

    public Guid ServicerId { get; set; }

    public string Environment { get; set; } = "";

    public List<string> Skills { get; set; } = [];

    /// <summary>ACTIVE, SUSPENDED, or REMOVED after TenantRemoved.</summary>
    public string Status { get; set; } = "";

    public string? WebhookUrl { get; set; }

    public List<TenantKeyHash> Keys { get; set; } = [];

    public long Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public bool IsActive => Status == "ACTIVE";

    /// <summary>True when <paramref name="presented"/> hashes to one of the tenant's current keys of <paramref name="kind"/> (constant time).</summary>
    public bool Accepts(string kind, string? presented, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 512)
        {
            return false;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var match = false;
        foreach (var key in Keys.Where(k => k.Kind == kind && (k.ValidUntil is null || k.ValidUntil > now)))
        {
            if (key.Sha256.Length == 64)
            {
                match |= CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(key.Sha256));
            }
        }

        return match;
    }

    /// <summary>
    /// The key webhooks are signed with: the SHA-256 of the tenant's current webhook secret (see docs/sessions.md).
    /// TenantService keeps no secret in clear, and the tenant derives the same key from the secret it was shown.
    /// </summary>
    public byte[]? WebhookSigningKey() =>
        Keys.FirstOrDefault(k => k.Kind == WebhookSecret && k.ValidUntil is null) is { Sha256.Length: 64 } key ? Convert.FromHexString(key.Sha256) : null;
}
