using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Http;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Audit;
using Finqware.TenantService.Catalog;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Finqware.TenantService.Tenants;

/// <summary>
/// Tenant apps of a servicer (portal token): registered with their credentials (shown once, stored as hashes), read,
/// deleted. Their skills are in <see cref="TenantSkillsApi"/>, their keys' rotation in <see cref="TenantKeysApi"/>.
/// Every change is published as <see cref="TenantUpserted"/> / <see cref="TenantRemoved"/> through the outbox.
/// </summary>
public static class TenantsApi
{
    public static IEndpointRouteBuilder MapTenantsApi(this IEndpointRouteBuilder routes)
    {
        var byServicer = routes.MapGroup("/servicers/{servicer_id:guid}/tenants").WithTags("Tenants").RequirePortalToken()
            .Problems(StatusCodes.Status404NotFound, "SERVICER_NOT_FOUND");
        byServicer.MapPost("/", CreateTenant).WithName("CreateTenant")
            .WithSummary("Register a tenant app")
            .WithDescription("Returns client_id, client_app_key, client_secret and webhook_secret. The secrets are shown only in this response. "
                + "A sandbox tenant registers sandbox skills only, a production tenant production skills only.")
            .RequirePortalRole(ServicerRoles.Admin, ServicerRoles.Developer)
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed, "UNKNOWN_SKILL", "PRODUCTION_SKILL_ON_SANDBOX_TENANT", "SANDBOX_SKILL_ON_PRODUCTION_TENANT")
            .Problems(StatusCodes.Status503ServiceUnavailable, "CATALOG_UNAVAILABLE");
        byServicer.MapGet("/", ListTenants).WithName("ListTenants")
            .WithSummary("List the servicer's tenant apps")
            .WithDescription("The servicer's active tenant apps with their skills and the metadata of their keys (never the values).");

        routes.MapGet("/tenants/me", GetOwnTenant).WithName("GetOwnTenant")
            .WithTags("Tenants")
            .WithSummary("The calling tenant app (API token)")
            .WithDescription("The tenant app the API token was issued to: its environment, skills and key metadata.")
            .RequireApiToken()
            .Problems(StatusCodes.Status404NotFound, "TENANT_NOT_FOUND");

        var tenants = OwnTenants.MapGroup(routes);
        tenants.MapGet("/", GetTenant).WithName("GetTenant")
            .WithSummary("Get a tenant app")
            .WithDescription("One of the servicer's tenant apps; another servicer's is a 404.");
        tenants.MapPatch("/", UpdateTenant).WithName("UpdateTenant")
            .WithSummary("Change a tenant's webhook URL, browser origins or redirect URIs")
            .WithDescription("JSON merge patch (RFC 7396): the fields present replace the tenant's (webhook_url null removes it), the others stay. "
                + "allowed_origins: the origins whose browser apps may call the client routes (CORS). redirect_uris: where a redirect SCA may send the user back to. "
                + "The change works on every route at once.")
            .Accepts<UpdateTenantRequest>("application/json", "application/merge-patch+json")
            .RequirePortalRole(ServicerRoles.Admin, ServicerRoles.Developer)
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        tenants.MapDelete("/", DeleteTenant).WithName("DeleteTenant")
            .WithSummary("Delete a tenant app")
            .WithDescription("Admins only. Its keys stop working everywhere at once; its sessions and data stay readable by no one.")
            .RequirePortalRole(ServicerRoles.Admin);
        return routes;
    }

    public static async Task<Results<Created<CreatedTenantResponse>, ProblemHttpResult>> CreateTenant(
        Guid servicer_id,
        CreateTenantRequest request,
        ClaimsPrincipal caller,
        TenantDbContext db,
        ICatalogClient catalog,
        WebhookKeySealer sealer,
        AuditLog audit,
        TimeProvider clock,
        IHostEnvironment hosting,
        CancellationToken cancellationToken)
    {
        if (ClaimNames.ServicerOf(caller) != servicer_id)
        {
            return AuthApi.ServicerNotFound();
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 200)
        {
            errors["name"] = ["Required, at most 200 characters."];
        }

        if (request.Environment is not ("sandbox" or "production"))
        {
            errors["environment"] = ["Must be sandbox or production."];
        }

        ValidateWebhookUrl(request.WebhookUrl, hosting.IsDevelopment(), errors);
        var skills = SkillList.Validate(request.Skills, errors);
        var origins = request.AllowedOrigins is null ? [] : TenantSettings.Origins(request.AllowedOrigins, request.Environment ?? "", errors);
        var redirectUris = request.RedirectUris is null ? [] : TenantSettings.RedirectUris(request.RedirectUris, request.Environment ?? "", errors);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        if (await SkillList.CheckAgainstCatalogAsync(skills, request.Environment!, catalog, cancellationToken) is { } problem)
        {
            return problem;
        }

        var now = clock.GetUtcNow();
        var tenant = new Tenant
        {
            ClientId = Secrets.NewClientId(),
            ServicerId = servicer_id,
            Name = request.Name!.Trim(),
            Environment = request.Environment!,
            Skills = skills,
            WebhookUrl = request.WebhookUrl,
            AllowedOrigins = origins,
            RedirectUris = redirectUris,
            Status = TenantStatus.Active,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var values = KeyKinds.All.ToDictionary(kind => kind, Secrets.NewValue);
        foreach (var (kind, value) in values)
        {
            tenant.Keys.Add(TenantKeysApi.NewKey(tenant.ClientId, kind, value, sealer, now));
        }

        db.Tenants.Add(tenant);
        audit.Record(AuditActions.TenantCreated, AuditTargets.Tenant, tenant.ClientId,
            new { tenant.Name, tenant.Environment, tenant.Skills, tenant.WebhookUrl, tenant.AllowedOrigins, tenant.RedirectUris, KeysIssued = KeyKinds.All });
        TenantChanges.Publish(db, tenant, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/tenants/{tenant.ClientId}", new CreatedTenantResponse(
            tenant.ClientId,
            values[KeyKinds.AppKey],
            values[KeyKinds.Secret],
            values[KeyKinds.WebhookSecret],
            tenant.Name,
            tenant.Environment,
            tenant.Skills,
            tenant.WebhookUrl,
            tenant.AllowedOrigins,
            tenant.RedirectUris));
    }

    public static async Task<Results<Ok<List<TenantResponse>>, ProblemHttpResult>> ListTenants(
        Guid servicer_id, ClaimsPrincipal caller, TenantDbContext db, CancellationToken cancellationToken)
    {
        if (ClaimNames.ServicerOf(caller) != servicer_id)
        {
            return AuthApi.ServicerNotFound();
        }

        var tenants = await db.Tenants.AsNoTracking().Include(t => t.Keys)
            .Where(t => t.ServicerId == servicer_id && t.Status == TenantStatus.Active)
            .OrderBy(t => t.CreatedAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(tenants.Select(TenantResponse.From).ToList());
    }

    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> GetTenant(
        [MaxLength(64)] string client_id, ClaimsPrincipal caller, TenantDbContext db, CancellationToken cancellationToken) =>
        await OwnTenants.FindAsync(db, caller, client_id, cancellationToken) is { } tenant
            ? TypedResults.Ok(TenantResponse.From(tenant))
            : OwnTenants.NotFound(client_id);

    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> GetOwnTenant(
        ClaimsPrincipal caller, TenantDbContext db, CancellationToken cancellationToken)
    {
        var clientId = caller.FindFirst(ClaimNames.ClientId)?.Value ?? "";
        var tenant = await db.Tenants.AsNoTracking().Include(t => t.Keys)
            .FirstOrDefaultAsync(t => t.ClientId == clientId && t.Status == TenantStatus.Active, cancellationToken);
        return tenant is null ? OwnTenants.NotFound(clientId) : TypedResults.Ok(TenantResponse.From(tenant));
    }

    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> UpdateTenant(
        [MaxLength(64)] string client_id,
        UpdateTenantRequest request,
        ClaimsPrincipal caller,
        TenantDbContext db,
        AuditLog audit,
        TimeProvider clock,
        IHostEnvironment hosting,
        CancellationToken cancellationToken)
    {
        var tenant = await OwnTenants.FindAsync(db, caller, client_id, cancellationToken, tracking: true);
        if (tenant is null)
        {
            return OwnTenants.NotFound(client_id);
        }

        var errors = new Dictionary<string, string[]>();
        if (request.HasWebhookUrl)
        {
            ValidateWebhookUrl(request.WebhookUrl, hosting.IsDevelopment(), errors);
        }

        var origins = request.HasAllowedOrigins ? TenantSettings.Origins(request.AllowedOrigins, tenant.Environment, errors) : tenant.AllowedOrigins;
        var redirectUris = request.HasRedirectUris ? TenantSettings.RedirectUris(request.RedirectUris, tenant.Environment, errors) : tenant.RedirectUris;
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var webhookUrl = request.HasWebhookUrl ? request.WebhookUrl : tenant.WebhookUrl;
        var changed = false;
        if (webhookUrl != tenant.WebhookUrl)
        {
            audit.Record(AuditActions.TenantWebhookChanged, AuditTargets.Tenant, tenant.ClientId, new { WebhookUrl = AuditLog.Change(tenant.WebhookUrl, webhookUrl) });
            tenant.WebhookUrl = webhookUrl;
            changed = true;
        }

        if (!origins.SequenceEqual(tenant.AllowedOrigins))
        {
            audit.Record(AuditActions.TenantOriginsChanged, AuditTargets.Tenant, tenant.ClientId, new { AllowedOrigins = AuditLog.Change(tenant.AllowedOrigins, origins) });
            tenant.AllowedOrigins = origins;
            changed = true;
        }

        if (!redirectUris.SequenceEqual(tenant.RedirectUris))
        {
            audit.Record(AuditActions.TenantRedirectUrisChanged, AuditTargets.Tenant, tenant.ClientId, new { RedirectUris = AuditLog.Change(tenant.RedirectUris, redirectUris) });
            tenant.RedirectUris = redirectUris;
            changed = true;
        }

        if (changed)
        {
            TenantChanges.Publish(db, tenant, clock.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(TenantResponse.From(tenant));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteTenant(
        [MaxLength(64)] string client_id, ClaimsPrincipal caller, TenantDbContext db, AuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await OwnTenants.FindAsync(db, caller, client_id, cancellationToken, tracking: true);
        if (tenant is null)
        {
            return OwnTenants.NotFound(client_id);
        }

        var now = clock.GetUtcNow();
        tenant.Status = TenantStatus.Removed;
        tenant.UpdatedAt = now;
        tenant.Version++;
        foreach (var key in tenant.Keys.Where(k => k.IsValidAt(now)))
        {
            key.ValidUntil = now;
        }

        audit.Record(AuditActions.TenantDeleted, AuditTargets.Tenant, tenant.ClientId, new { tenant.Name, tenant.Environment });
        db.PublishOnCommit(new TenantRemoved { ClientId = tenant.ClientId, ServicerId = tenant.ServicerId, Version = tenant.Version, RemovedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Where webhooks may go (<see cref="WebhookTargets"/>): https, a public address; plain http to loopback while developing.</summary>
    internal static void ValidateWebhookUrl(string? url, bool development, Dictionary<string, string[]> errors)
    {
        if (url is not null && WebhookTargets.Refusal(url, development) is { } refusal)
        {
            errors["webhook_url"] = [refusal];
        }
    }
}
