using System.Net.Http.Headers;
using System.Text;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Tenants;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Access;

/// <summary>Who is calling, and how much they may see.</summary>
public sealed record Caller(string ClientId, bool IsServer);

/// <summary>
/// Authenticates tenants from SessionService's own replica (client app keys) and from locally validated API tokens;
/// never calls TenantService on the request path.
/// </summary>
public sealed class TenantAccess(SessionDbContext db, ReplicaCache replicas, TenantTokenValidator tokens, TimeProvider clock)
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

    /// <summary>
    /// The caller of a read: a tenant server with its bearer token (sees everything about its sessions), or its
    /// client app with HTTP Basic <c>client_id:client_app_key</c> (sees statuses only). Null when neither holds.
    /// </summary>
    public async Task<Caller?> IdentifyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header) || header.Parameter is null)
        {
            return null;
        }

        if (header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            var clientId = await tokens.ValidateAsync(header.Parameter, cancellationToken);
            if (clientId is null)
            {
                return null;
            }

            var tenant = await TenantAsync(clientId, cancellationToken);
            return tenant is { IsActive: true } ? new Caller(clientId, IsServer: true) : null;
        }

        if (header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            }
            catch (FormatException)
            {
                return null;
            }

            var parts = decoded.Split(':', 2);
            return parts.Length == 2 && await ByAppKeyAsync(parts[0], parts[1], cancellationToken) is { } tenant
                ? new Caller(tenant.ClientId, IsServer: false)
                : null;
        }

        return null;
    }

    /// <summary>The tenant from the in-memory replica (read from the table on a miss).</summary>
    public ValueTask<TenantReplica?> TenantAsync(string clientId, CancellationToken cancellationToken) =>
        replicas.TenantAsync(clientId, () => db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.ClientId == clientId, cancellationToken));
}
