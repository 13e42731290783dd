using System.Security.Cryptography;
using System.Text;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Tenants;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Access;

/// <summary>
/// The tenants SessionService knows, from its own replica (kept from TenantService's events; read through to
/// TenantService only when the replica says no): the access handlers, the opening of a session and webhooks read them here.
/// </summary>
public sealed class TenantAccess(SessionDbContext db, ReplicaCache replicas, TenantRegistry registry, TimeProvider clock)
{
    /// <summary>
    /// The active tenant whose client_app_key this is, or null (unknown client, wrong key, suspended). When the replica
    /// says no, or does not list <paramref name="skill"/>, TenantService is asked once (<see cref="TenantRegistry"/>): a
    /// tenant, a rotated key or a skill list the registry has answered works at once.
    /// </summary>
    public async Task<TenantReplica?> ByAppKeyAsync(string? clientId, string? appKey, CancellationToken cancellationToken, string? skill = null)
    {
        if (string.IsNullOrEmpty(clientId) || clientId.Length > 64)
        {
            return null;
        }

        var tenant = await TenantAsync(clientId, cancellationToken);
        var accepted = Accepts(tenant, appKey);
        if (accepted && (skill is null || tenant!.Skills.Contains(skill)))
        {
            return tenant;
        }

        // An unknown tenant or key is remembered (anyone can send them); a skill the authenticated tenant does not hold yet
        // is asked again each time (bounded by its own budget at the gateway): it may have been added a moment ago.
        var reason = tenant is null ? "unknown" : !accepted ? "key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(appKey ?? ""))) : null;
        if (await registry.ReadThroughAsync(clientId, tenant?.Version ?? -1, reason, cancellationToken))
        {
            tenant = await TenantAsync(clientId, cancellationToken);
            accepted = Accepts(tenant, appKey);
        }

        return accepted ? tenant : null;
    }

    /// <summary>The tenant if it is active, asking TenantService once when the replica does not know it yet.</summary>
    public async Task<TenantReplica?> ActiveTenantAsync(string clientId, CancellationToken cancellationToken)
    {
        var tenant = await TenantAsync(clientId, cancellationToken);
        if (tenant is not { IsActive: true } && clientId.Length <= 64 && await registry.ReadThroughAsync(clientId, tenant?.Version ?? -1, "unknown", cancellationToken))
        {
            tenant = await TenantAsync(clientId, cancellationToken);
        }

        return tenant is { IsActive: true } ? tenant : null;
    }

    /// <summary>
    /// True when <paramref name="redirectUri"/> is one of the tenant's registered <c>redirect_uris</c> (exactly), asking
    /// TenantService once when the replica does not list it: a URI a PATCH has just added works at once.
    /// </summary>
    public async Task<bool> RegisteredRedirectAsync(string clientId, string redirectUri, CancellationToken cancellationToken)
    {
        var tenant = await TenantAsync(clientId, cancellationToken);
        if (tenant is { IsActive: true } && tenant.RedirectUris.Contains(redirectUri, StringComparer.Ordinal))
        {
            return true;
        }

        if (tenant is null || !await registry.ReadThroughAsync(clientId, tenant.Version, "redirect:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(redirectUri))), cancellationToken))
        {
            return false;
        }

        tenant = await TenantAsync(clientId, cancellationToken);
        return tenant is { IsActive: true } && tenant.RedirectUris.Contains(redirectUri, StringComparer.Ordinal);
    }

    private bool Accepts(TenantReplica? tenant, string? appKey) =>
        tenant is { IsActive: true } && tenant.Accepts(TenantReplica.AppKey, appKey, clock.GetUtcNow());

    /// <summary>The tenant from the in-memory replica (read from the table on a miss).</summary>
    public ValueTask<TenantReplica?> TenantAsync(string clientId, CancellationToken cancellationToken) =>
        replicas.TenantAsync(clientId, () => db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.ClientId == clientId, cancellationToken));
}
