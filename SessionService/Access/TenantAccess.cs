using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Tenants;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Access;

/// <summary>
/// The tenants SessionService knows, from its own replica (kept from TenantService's events; never a call to
/// TenantService on the request path): the access handlers, the opening of a session and webhooks read them here.
/// </summary>
public sealed class TenantAccess(SessionDbContext db, ReplicaCache replicas, TimeProvider clock)
{
    /// <summary>The active tenant whose client_app_key this is, or null (unknown client, wrong key, suspended).</summary>
    public async Task<TenantReplica?> ByAppKeyAsync(string? clientId, string? appKey, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(clientId) || clientId.Length > 64)
        {
            return null;
        }

        var tenant = await TenantAsync(clientId, cancellationToken);
        return tenant is { IsActive: true } && tenant.Accepts(TenantReplica.AppKey, appKey, clock.GetUtcNow()) ? tenant : null;
    }

    /// <summary>The tenant from the in-memory replica (read from the table on a miss).</summary>
    public ValueTask<TenantReplica?> TenantAsync(string clientId, CancellationToken cancellationToken) =>
        replicas.TenantAsync(clientId, () => db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.ClientId == clientId, cancellationToken));
}
