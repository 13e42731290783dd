using System.Security.Claims;
using System.Text.Json;
using Finqware.Contracts.Skills;
using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Auth;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Replicas;
using Finqware.SessionService.Steps;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Finqware.SessionService.Sessions;

public sealed class SessionSettings
{
    public const string Section = "Sessions";

    /// <summary>How long a session stays open.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A skill is available while one of its connector instances heartbeated within this window.</summary>
    public TimeSpan SkillLivenessWindow { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>The seed's onboarding contract: a client app opens a session, then submits its steps with nonces.</summary>
public static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder routes)
    {
        var sessions = routes.MapGroup("/sessions").WithTags("Sessions");
        sessions.MapPost("/", CreateSession)
            .WithSummary("Open an onboarding session (client app: client_id + client_app_key)")
            .WithDescription("Returns session_id and the nonce that authorises the first step.");
        sessions.MapGet("/{session_id:guid}", GetSession)
            .WithSummary("Read a session and its steps (tenant server: API token)")
            .RequireAuthorization(TenantTokenAuthentication.Policy);
        return routes;
    }

    public static async Task<Results<Created<SessionCreated>, ProblemHttpResult>> CreateSession(
        CreateSessionRequest request,
        SessionDbContext db,
        NonceService nonces,
        TimeProvider clock,
        IOptions<SessionSettings> options,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Required(errors, "client_id", request.ClientId);
        Required(errors, "client_app_key", request.ClientAppKey);
        Required(errors, "skill", request.Skill);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var now = clock.GetUtcNow();
        var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.ClientId == request.ClientId && t.Status == "ACTIVE", cancellationToken);
        if (tenant is null || !TenantKeys.Matches(tenant, "app_key", request.ClientAppKey!, now))
        {
            return ApiProblems.Unauthorized("INVALID_CLIENT_CREDENTIALS", "Unknown client_id or wrong client_app_key.",
                "Use the client_id and client_app_key of your tenant (shown when it was created or its app key rotated).");
        }

        if (!tenant.Skills.Contains(request.Skill!))
        {
            return ApiProblems.Create(StatusCodes.Status403Forbidden, "SKILL_NOT_REGISTERED", "This tenant has not registered the skill.",
                $"Register '{request.Skill}' for the tenant first: PUT /tenants/{{client_id}}/skills.");
        }

        var skill = await SkillAvailability.FindAvailableAsync(db, request.Skill!, now - options.Value.SkillLivenessWindow, cancellationToken);
        if (skill is null)
        {
            return SkillAvailability.Unavailable(http, request.Skill!);
        }

        var session = new Session
        {
            Id = Guid.NewGuid(),
            ClientId = tenant.ClientId,
            Skill = skill.SkillId,
            Status = SessionStatus.Created,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = now + options.Value.Lifetime,
        };
        db.Sessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        var (nonce, grant) = nonces.Mint(session.Id, session.ClientId, 1);
        return TypedResults.Created($"/sessions/{session.Id}",
            new SessionCreated(nonce, session.Id, session.Status, skill.Steps[0].Name, grant.ExpiresAt));
    }

    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> GetSession(
        Guid session_id, ClaimsPrincipal caller, SessionDbContext db, CancellationToken cancellationToken)
    {
        var clientId = caller.FindFirst("client_id")?.Value;
        var session = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == session_id && s.ClientId == clientId, cancellationToken);
        if (session is null)
        {
            return NotFound(session_id);
        }

        var steps = await db.Steps.AsNoTracking().Where(s => s.SessionId == session_id).OrderBy(s => s.Seq).ToListAsync(cancellationToken);
        return TypedResults.Ok(new SessionView(session.Id, session.Skill, session.Status, session.CreatedAt, session.UpdatedAt, session.ExpiresAt,
            steps.Select(StepView.From).ToList()));
    }

    internal static ProblemHttpResult NotFound(Guid sessionId) => ApiProblems.NotFound("SESSION_NOT_FOUND", "No such session.",
        $"Your tenant has no session {sessionId}. Use the session_id returned by POST /sessions.");

    internal static void Required(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = ["Required."];
        }
    }
}

public static class TenantKeys
{
    /// <summary>True when <paramref name="value"/> is a currently valid key of <paramref name="kind"/> (constant-time compare).</summary>
    public static bool Matches(TenantReplica tenant, string kind, string value, DateTimeOffset now)
    {
        var presented = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value));
        var match = false;
        foreach (var key in tenant.KeyHashes.Where(k => k.Kind == kind && (k.ValidUntil is null || k.ValidUntil > now)))
        {
            match |= key.Sha256.Length == 64 && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(key.Sha256));
        }

        return match;
    }
}

public static class SkillAvailability
{
    /// <summary>The skill's manifest when the catalog registered it and a connector instance is alive; else null.</summary>
    public static async Task<SkillManifest?> FindAvailableAsync(SessionDbContext db, string skillId, DateTimeOffset aliveSince, CancellationToken cancellationToken)
    {
        var replica = await db.Skills.AsNoTracking().FirstOrDefaultAsync(s => s.SkillId == skillId, cancellationToken);
        var alive = await db.SkillInstances.AnyAsync(i => i.SkillId == skillId && i.LastSeenAt >= aliveSince, cancellationToken);
        return replica is not null && alive ? replica.ToManifest() : null;
    }

    public static ProblemHttpResult Unavailable(HttpContext http, string skillId)
    {
        http.Response.Headers.RetryAfter = "10";
        return ApiProblems.Create(StatusCodes.Status503ServiceUnavailable, "SKILL_UNAVAILABLE", "The skill is not available right now.",
            $"No connector serves '{skillId}' at the moment. Retry after the Retry-After delay; GET /skills shows its status.");
    }
}

public sealed record CreateSessionRequest(string? ClientId, string? ClientAppKey, string? Skill);

public sealed record SessionCreated(string Nonce, Guid SessionId, string Status, string NextStep, DateTimeOffset ExpiresAt);

public sealed record SessionView(Guid SessionId, string Skill, string Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset ExpiresAt, IReadOnlyList<StepView> Steps);

public sealed record StepView(Guid StepId, string Step, int StepNumber, string Status, JsonElement? Result, JsonElement? Action, JsonElement? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static StepView From(Step step) => new(step.Id, step.Name, step.Seq, step.Status, Parse(step.Result), Parse(step.Action), Parse(step.Error), step.CreatedAt, step.UpdatedAt);

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
