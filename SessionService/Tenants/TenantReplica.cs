using System.Security.Cryptography;
using System.Text;
using Finqware.Contracts.Tenants;

namespace Finqware.SessionService.Tenants;

/// <summary>SessionService's copy of a tenant, kept from TenantUpserted / TenantRemoved (and from TenantService when it does not know a tenant yet, see TenantRegistry).</summary>
public sealed class TenantReplica
{
    public const string AppKey = "app_key";

    public required string ClientId { get; init; }

    public Guid ServicerId { get; set; }

    public string Environment { get; set; } = "";

    public List<string> Skills { get; set; } = [];

    /// <summary>ACTIVE, SUSPENDED, or REMOVED after TenantRemoved.</summary>
    public string Status { get; set; } = "";

    public string? WebhookUrl { get; set; }

    /// <summary>Where a redirect SCA may send the user back to: a step's <c>redirect_uri</c> must be one of them.</summary>
    public List<string> RedirectUris { get; set; } = [];

    public List<TenantKeyHash> Keys { get; set; } = [];

    /// <summary>The webhook signing keys, sealed to this service's key (only <c>WebhookSigner</c> opens them).</summary>
    public List<SealedWebhookKey> WebhookKeys { get; set; } = [];

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

    /// <summary>The webhook keys that sign at <paramref name="now"/>: the current one, and a rotated one in its grace period.</summary>
    public IEnumerable<SealedWebhookKey> WebhookKeysAt(DateTimeOffset now) => WebhookKeys.Where(k => k.ValidUntil is null || k.ValidUntil > now);
}
