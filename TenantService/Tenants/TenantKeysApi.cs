using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Audit;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Finqware.TenantService.Tenants;

/// <summary>
/// A tenant app's keys (portal token, admins): rotated with a grace period for the old value, or revoked at once.
/// The new value is shown once; stored as its hash.
/// </summary>
public static class TenantKeysApi
{
    public static IEndpointRouteBuilder MapTenantKeysApi(this IEndpointRouteBuilder routes)
    {
        var tenants = OwnTenants.MapGroup(routes);
        tenants.MapPost("/keys/rotate", RotateKey).WithName("RotateTenantKey")
            .WithSummary("Rotate one key; the old value keeps working for a grace period")
            .WithDescription("Admins only. key: app_key, secret or webhook_secret. grace_period_seconds defaults to 24 h. The new value is shown only in this response.")
            .RequirePortalRole(ServicerRoles.Admin)
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        tenants.MapPost("/keys/revoke", RevokeKey).WithName("RevokeTenantKey")
            .WithSummary("Replace one key now")
            .WithDescription("Admins only. Every older value of the key stops working immediately (a leaked key). The new value is shown only in this response.")
            .RequirePortalRole(ServicerRoles.Admin)
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        return routes;
    }

    public static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> RotateKey(
        [MaxLength(64)] string client_id,
        RotateKeyRequest request,
        ClaimsPrincipal caller,
        TenantDbContext db,
        WebhookKeySealer sealer,
        AuditLog audit,
        TimeProvider clock,
        IOptions<KeyRotationOptions> options,
        CancellationToken cancellationToken)
    {
        var grace = request.GracePeriodSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.Value.DefaultGracePeriod;
        if (request.GracePeriodSeconds is < 0 || grace > options.Value.MaxGracePeriod)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]>
            {
                ["grace_period_seconds"] = [$"Between 0 and {(long)options.Value.MaxGracePeriod.TotalSeconds}."],
            });
        }

        return await ReplaceKeyAsync(client_id, request.Key, grace, caller, db, sealer, audit, clock, cancellationToken);
    }

    public static Task<Results<Ok<KeyResponse>, ProblemHttpResult>> RevokeKey(
        [MaxLength(64)] string client_id,
        RevokeKeyRequest request,
        ClaimsPrincipal caller,
        TenantDbContext db,
        WebhookKeySealer sealer,
        AuditLog audit,
        TimeProvider clock,
        CancellationToken cancellationToken) =>
        ReplaceKeyAsync(client_id, request.Key, TimeSpan.Zero, caller, db, sealer, audit, clock, cancellationToken);

    /// <summary>
    /// A new value for <paramref name="kind"/>. The current value keeps working for <paramref name="grace"/> (zero:
    /// revoked now); values already in a grace period keep theirs, unless this is a revocation, which ends them too.
    /// </summary>
    private static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> ReplaceKeyAsync(
        string clientId, string? kind, TimeSpan grace, ClaimsPrincipal caller, TenantDbContext db, WebhookKeySealer sealer, AuditLog audit, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (kind is null || !KeyKinds.All.Contains(kind))
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["key"] = ["Must be app_key, secret or webhook_secret."] });
        }

        var tenant = await OwnTenants.FindAsync(db, caller, clientId, cancellationToken, tracking: true);
        if (tenant is null)
        {
            return OwnTenants.NotFound(clientId);
        }

        var now = clock.GetUtcNow();
        foreach (var key in tenant.Keys.Where(k => k.Kind == kind && k.IsValidAt(now)))
        {
            key.ValidUntil = key.ValidUntil is null && grace > TimeSpan.Zero ? now + grace : now;
        }

        var value = Secrets.NewValue(kind);
        var fresh = NewKey(tenant.ClientId, kind, value, sealer, now);
        db.TenantKeys.Add(fresh); // fix-up also adds it to tenant.Keys
        audit.Record(grace > TimeSpan.Zero ? AuditActions.KeyRotated : AuditActions.KeyRevoked, AuditTargets.Tenant, tenant.ClientId,
            new { Key = kind, OldValueValidUntil = grace > TimeSpan.Zero ? now + grace : now });

        TenantChanges.Publish(db, tenant, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new KeyResponse(kind, value, grace > TimeSpan.Zero ? now + grace : null));
    }

    /// <summary>A new value of <paramref name="kind"/>, stored as its hash (a webhook secret: its signing key sealed to SessionService).</summary>
    internal static TenantKey NewKey(string clientId, string kind, string value, WebhookKeySealer sealer, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7();
        var webhook = kind == KeyKinds.WebhookSecret;
        return new TenantKey
        {
            Id = id,
            ClientId = clientId,
            Kind = kind,
            Hash = webhook ? WebhookKeySealer.Fingerprint(value) : Secrets.Hash(value),
            SealedSigningKey = webhook ? sealer.Seal(clientId, id, value) : null,
            CreatedAt = now,
        };
    }
}
