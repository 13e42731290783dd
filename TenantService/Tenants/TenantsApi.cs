using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Problems;
using Finqware.TenantService.Audit;
using Finqware.TenantService.Catalog;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Servicers;
using Finqware.TenantService.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.TenantService.Tenants;

/// <summary>
/// Tenant apps of a servicer (portal token), their credentials (shown once, stored as hashes) and their rotation.
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

        var tenants = routes.MapGroup("/tenants/{client_id}").WithTags("Tenants").RequirePortalToken()
            .Problems(StatusCodes.Status404NotFound, "TENANT_NOT_FOUND");
        tenants.MapGet("/", GetTenant).WithName("GetTenant")
            .WithSummary("Get a tenant app")
            .WithDescription("One of the servicer's tenant apps; another servicer's is a 404.");
        tenants.MapPut("/skills", UpdateSkills).WithName("UpdateTenantSkills")
            .WithSummary("Replace the tenant's registered skills")
            .WithDescription("The tenant can open sessions for these skills only. Skill ids as GET /skills lists them, of the tenant's flavor.")
            .RequirePortalRole(ServicerRoles.Admin, ServicerRoles.Developer)
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed, "UNKNOWN_SKILL", "PRODUCTION_SKILL_ON_SANDBOX_TENANT", "SANDBOX_SKILL_ON_PRODUCTION_TENANT")
            .Problems(StatusCodes.Status503ServiceUnavailable, "CATALOG_UNAVAILABLE");
        tenants.MapDelete("/", DeleteTenant).WithName("DeleteTenant")
            .WithSummary("Delete a tenant app")
            .WithDescription("Admins only. Its keys stop working everywhere at once; its sessions and data stay readable by no one.")
            .RequirePortalRole(ServicerRoles.Admin);
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

    public static async Task<Results<Created<CreatedTenantResponse>, ProblemHttpResult>> CreateTenant(
        Guid servicer_id,
        CreateTenantRequest request,
        ClaimsPrincipal caller,
        TenantDbContext db,
        ICatalogClient catalog,
        WebhookKeySealer sealer,
        AuditLog audit,
        TimeProvider clock,
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

        ValidateWebhookUrl(request.WebhookUrl, request.Environment, errors);
        var skills = ValidateSkillList(request.Skills, errors);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        if (await CheckSkillsAgainstCatalogAsync(skills, request.Environment!, catalog, cancellationToken) is { } problem)
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
            Status = TenantStatus.Active,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var values = KeyKinds.All.ToDictionary(kind => kind, Secrets.NewValue);
        foreach (var (kind, value) in values)
        {
            tenant.Keys.Add(NewKey(tenant.ClientId, kind, value, sealer, now));
        }

        db.Tenants.Add(tenant);
        audit.Record(AuditActions.TenantCreated, AuditTargets.Tenant, tenant.ClientId,
            new { tenant.Name, tenant.Environment, tenant.Skills, tenant.WebhookUrl, KeysIssued = KeyKinds.All });
        Publish(db, tenant, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/tenants/{tenant.ClientId}", new CreatedTenantResponse(
            tenant.ClientId,
            values[KeyKinds.AppKey],
            values[KeyKinds.Secret],
            values[KeyKinds.WebhookSecret],
            tenant.Name,
            tenant.Environment,
            tenant.Skills,
            tenant.WebhookUrl));
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
        await FindOwnAsync(db, caller, client_id, cancellationToken) is { } tenant
            ? TypedResults.Ok(TenantResponse.From(tenant))
            : TenantNotFound(client_id);

    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> GetOwnTenant(
        ClaimsPrincipal caller, TenantDbContext db, CancellationToken cancellationToken)
    {
        var clientId = caller.FindFirst(ClaimNames.ClientId)?.Value ?? "";
        var tenant = await db.Tenants.AsNoTracking().Include(t => t.Keys)
            .FirstOrDefaultAsync(t => t.ClientId == clientId && t.Status == TenantStatus.Active, cancellationToken);
        return tenant is null ? TenantNotFound(clientId) : TypedResults.Ok(TenantResponse.From(tenant));
    }

    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> UpdateSkills(
        [MaxLength(64)] string client_id,
        UpdateSkillsRequest request,
        ClaimsPrincipal caller,
        TenantDbContext db,
        ICatalogClient catalog,
        AuditLog audit,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var tenant = await FindOwnAsync(db, caller, client_id, cancellationToken, tracking: true);
        if (tenant is null)
        {
            return TenantNotFound(client_id);
        }

        var errors = new Dictionary<string, string[]>();
        var skills = ValidateSkillList(request.Skills, errors);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        if (await CheckSkillsAgainstCatalogAsync(skills, tenant.Environment, catalog, cancellationToken) is { } problem)
        {
            return problem;
        }

        var now = clock.GetUtcNow();
        if (!tenant.Skills.SequenceEqual(skills))
        {
            audit.Record(AuditActions.TenantSkillsChanged, AuditTargets.Tenant, tenant.ClientId, new { Skills = AuditLog.Change(tenant.Skills, skills) });
        }

        tenant.Skills = skills;
        Publish(db, tenant, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(TenantResponse.From(tenant));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteTenant(
        [MaxLength(64)] string client_id, ClaimsPrincipal caller, TenantDbContext db, AuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = await FindOwnAsync(db, caller, client_id, cancellationToken, tracking: true);
        if (tenant is null)
        {
            return TenantNotFound(client_id);
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

        var tenant = await FindOwnAsync(db, caller, clientId, cancellationToken, tracking: true);
        if (tenant is null)
        {
            return TenantNotFound(clientId);
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

        Publish(db, tenant, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new KeyResponse(kind, value, grace > TimeSpan.Zero ? now + grace : null));
    }

    private static void Publish(TenantDbContext db, Tenant tenant, DateTimeOffset now)
    {
        tenant.UpdatedAt = now;
        tenant.Version++;
        db.PublishOnCommit(new TenantUpserted
        {
            ClientId = tenant.ClientId,
            ServicerId = tenant.ServicerId,
            Name = tenant.Name,
            Environment = tenant.Environment,
            Skills = tenant.Skills,
            Status = tenant.Status,
            WebhookUrl = tenant.WebhookUrl,
            Keys = tenant.Keys.Where(k => k.IsValidAt(now) && k.Kind != KeyKinds.WebhookSecret)
                .Select(k => new TenantKeyHash { Kind = k.Kind, Sha256 = k.Hash, ValidUntil = k.ValidUntil })
                .ToList(),
            WebhookKeys = tenant.Keys.Where(k => k.IsValidAt(now) && k.SealedSigningKey is not null)
                .Select(k => new SealedWebhookKey { KeyId = k.Id, Sealed = k.SealedSigningKey!, ValidUntil = k.ValidUntil })
                .ToList(),
            Version = tenant.Version,
            UpdatedAt = now,
        });
    }

    private static TenantKey NewKey(string clientId, string kind, string value, WebhookKeySealer sealer, DateTimeOffset now)
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

    private static async Task<Tenant?> FindOwnAsync(TenantDbContext db, ClaimsPrincipal caller, string clientId, CancellationToken cancellationToken, bool tracking = false)
    {
        var servicer = ClaimNames.ServicerOf(caller);
        var query = db.Tenants.Include(t => t.Keys).Where(t => t.ClientId == clientId && t.ServicerId == servicer && t.Status == TenantStatus.Active);
        return await (tracking ? query : query.AsNoTracking()).FirstOrDefaultAsync(cancellationToken);
    }

    private static ProblemHttpResult TenantNotFound(string clientId) => ApiProblems.NotFound("TENANT_NOT_FOUND", "No such tenant.",
        $"Your servicer has no tenant '{clientId}'. List yours with GET /servicers/{{servicer_id}}/tenants.");

    private static List<string> ValidateSkillList(IReadOnlyList<string>? skills, Dictionary<string, string[]> errors)
    {
        if (skills is null)
        {
            errors["skills"] = ["Required: a list of skill ids from GET /skills (may be empty)."];
            return [];
        }

        if (skills.Count > 100)
        {
            errors["skills"] = ["At most 100 skills."];
        }

        for (var i = 0; i < skills.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(skills[i]) || skills[i].Length > 128)
            {
                errors[$"skills[{i}]"] = ["A skill id from GET /skills, at most 128 characters."];
            }
        }

        return skills.Where(s => !string.IsNullOrWhiteSpace(s)).Distinct(StringComparer.Ordinal).ToList();
    }

    private static void ValidateWebhookUrl(string? url, string? environment, Dictionary<string, string[]> errors)
    {
        if (url is null)
        {
            return;
        }

        var ok = Uri.TryCreate(url, UriKind.Absolute, out var uri) && url.Length <= 2048
            && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && environment == "sandbox"));
        if (!ok)
        {
            errors["webhook_url"] = ["An absolute https:// URL (http:// is accepted for sandbox tenants), at most 2048 characters."];
        }
    }

    private static async Task<ProblemHttpResult?> CheckSkillsAgainstCatalogAsync(
        List<string> skills, string environment, ICatalogClient catalog, CancellationToken cancellationToken)
    {
        var unknown = new Dictionary<string, string[]>();
        var wrongFlavor = new Dictionary<string, string[]>();
        for (var i = 0; i < skills.Count; i++)
        {
            CatalogSkill? skill;
            try
            {
                skill = await catalog.FindSkillAsync(skills[i], cancellationToken);
            }
            catch (CatalogUnavailableException)
            {
                return ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "CATALOG_UNAVAILABLE", "The skills catalog cannot be reached.",
                    "Nothing was changed. Retry in a few seconds.");
            }

            if (skill is null)
            {
                unknown[$"skills[{i}]"] = [$"'{skills[i]}' is not in the catalog (GET /skills lists the skills)."];
            }
            else if (skill.Flavor == "production" && environment == "sandbox")
            {
                wrongFlavor[$"skills[{i}]"] = [$"'{skills[i]}' is a production skill; a sandbox tenant can register sandbox skills only."];
            }
            else if (skill.Flavor == "sandbox" && environment == "production")
            {
                wrongFlavor[$"skills[{i}]"] = [$"'{skills[i]}' is a sandbox skill; a production tenant can register production skills only."];
            }
        }

        if (unknown.Count > 0)
        {
            return ApiProblems.Validation(unknown, "UNKNOWN_SKILL", "Unknown skill.", "Use skill ids exactly as GET /skills lists them.");
        }

        if (wrongFlavor.Count > 0)
        {
            var code = environment == "sandbox" ? "PRODUCTION_SKILL_ON_SANDBOX_TENANT" : "SANDBOX_SKILL_ON_PRODUCTION_TENANT";
            return ApiProblems.Validation(wrongFlavor, code, "Skill flavor does not match the tenant's environment.",
                "Register sandbox skills on sandbox tenants and production skills on production tenants.");
        }

        return null;
    }
}
