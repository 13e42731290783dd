using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Http;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.TenantService.Tenants;

/// <summary>The shared key of TenantService's internal routes (<c>InternalApi__Key</c>; the callers' <c>TenantRegistry__InternalKey</c>).</summary>
public sealed class InternalApiOptions
{
    public const string Section = "InternalApi";

    /// <summary>When unset, only loopback callers are served (one machine); the AppHost and production set it.</summary>
    public string? Key { get; set; }
}

/// <summary>
/// The registry's answer for one tenant, for the services that keep a replica of tenants (SessionService) or need a
/// tenant's registered origins (the gateway's CORS) and have not seen its latest event yet: <c>GET
/// /internal/tenants/{client_id}</c>, the same <see cref="TenantUpserted"/> the outbox publishes. Not routed by the
/// gateway; every call carries the shared internal key.
/// </summary>
public static class TenantRegistryApi
{
    public static IEndpointRouteBuilder MapTenantRegistryApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/internal/tenants/{client_id}", GetAsync).ExcludeFromDescription();
        return routes;
    }

    /// <summary>What replicas are told about <paramref name="tenant"/> (its key hashes still valid at <paramref name="now"/>).</summary>
    public static TenantUpserted Upserted(Tenant tenant, DateTimeOffset now) => new()
    {
        ClientId = tenant.ClientId,
        ServicerId = tenant.ServicerId,
        Name = tenant.Name,
        Environment = tenant.Environment,
        Skills = tenant.Skills,
        Status = tenant.Status,
        WebhookUrl = tenant.WebhookUrl,
        AllowedOrigins = tenant.AllowedOrigins,
        RedirectUris = tenant.RedirectUris,
        Keys = tenant.Keys.Where(k => k.IsValidAt(now) && k.Kind != KeyKinds.WebhookSecret)
            .Select(k => new TenantKeyHash { Kind = k.Kind, Sha256 = k.Hash, ValidUntil = k.ValidUntil })
            .ToList(),
        WebhookKeys = tenant.Keys.Where(k => k.IsValidAt(now) && k.SealedSigningKey is not null)
            .Select(k => new SealedWebhookKey { KeyId = k.Id, Sealed = k.SealedSigningKey!, ValidUntil = k.ValidUntil })
            .ToList(),
        Version = tenant.Version,
        UpdatedAt = tenant.UpdatedAt,
    };

    /// <summary>The <c>403 INTERNAL_ONLY</c> for a caller of an <c>/internal</c> route without the shared key; null for one with it.</summary>
    public static ProblemHttpResult? RefuseUnlessInternal(HttpContext http, InternalApiOptions options) =>
        InternalCallers.IsInternal(http, options.Key)
            ? null
            : ApiProblems.Create(StatusCodes.Status403Forbidden, "INTERNAL_ONLY", "This endpoint is for Finqware's own services.",
                $"Send the shared internal key in {InternalCallers.KeyHeader} (the callers' TenantRegistry__InternalKey, Cors__InternalKey = InternalApi__Key).");

    public static async Task<Results<Ok<TenantUpserted>, ProblemHttpResult>> GetAsync(
        string client_id, HttpContext http, TenantDbContext db, IOptions<InternalApiOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (RefuseUnlessInternal(http, options.Value) is { } refused)
        {
            return refused;
        }

        var tenant = client_id.Length > 64 ? null : await db.Tenants.AsNoTracking().Include(t => t.Keys)
            .FirstOrDefaultAsync(t => t.ClientId == client_id && t.Status == TenantStatus.Active, cancellationToken);
        return tenant is null
            ? ApiProblems.NotFound("TENANT_NOT_FOUND", "No such tenant.", "No active tenant has this client_id.")
            : TypedResults.Ok(Upserted(tenant, clock.GetUtcNow()));
    }
}
