using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Auth;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NJsonSchema;

namespace Finqware.SessionService.Steps;

/// <summary>Steps: submitted by the client app with the current nonce, read by the tenant's server.</summary>
public static class StepsApi
{
    private static readonly ConcurrentDictionary<string, Task<JsonSchema>> Schemas = new();

    public static IEndpointRouteBuilder MapStepsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/sessions/{session_id:guid}/steps", SubmitStep)
            .WithTags("Sessions")
            .WithSummary("Submit the next step of a session (client app: client_id + nonce)")
            .WithDescription("Validates data against the step's data_schema, records the step and sends it to the skill's connector. Returns step_id and the nonce for the next step.");
        routes.MapGet("/sessions/{session_id:guid}/steps/{step_id:guid}", GetStep)
            .WithTags("Sessions")
            .WithSummary("Read a step; ?wait=N waits up to N seconds (at most 30) for it to finish (API token)")
            .RequireAuthorization(TenantTokenAuthentication.Policy);
        return routes;
    }

    public static async Task<Results<Accepted<StepAccepted>, ProblemHttpResult>> SubmitStep(
        Guid session_id,
        SubmitStepRequest request,
        SessionDbContext db,
        NonceService nonces,
        TimeProvider clock,
        IOptions<SessionSettings> options,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        SessionsApi.Required(errors, "client_id", request.ClientId);
        SessionsApi.Required(errors, "nonce", request.Nonce);
        SessionsApi.Required(errors, "skill", request.Skill);
        SessionsApi.Required(errors, "step", request.Step);
        if (request.Data is not { ValueKind: JsonValueKind.Object })
        {
            errors["data"] = ["Required: a JSON object matching the step's data_schema (GET /skills/{skill_id})."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var (grant, failure) = nonces.Verify(request.Nonce);
        if (failure == NonceFailure.Expired)
        {
            return ApiProblems.Unauthorized("NONCE_EXPIRED", "The nonce has expired.",
                "Nonces last 30 minutes. The session cannot continue with this nonce; open a new session with POST /sessions.");
        }

        if (grant is null || grant.SessionId != session_id || grant.ClientId != request.ClientId)
        {
            return ApiProblems.Unauthorized("NONCE_INVALID", "The nonce is not valid for this session.",
                "Send the nonce returned by the previous call of this session (POST /sessions or the previous step), unchanged.");
        }

        var session = await db.Sessions.FirstOrDefaultAsync(s => s.Id == session_id && s.ClientId == request.ClientId, cancellationToken);
        if (session is null)
        {
            return SessionsApi.NotFound(session_id);
        }

        var steps = await db.Steps.Where(s => s.SessionId == session_id).OrderBy(s => s.Seq).ToListAsync(cancellationToken);
        if (steps.Any(s => s.Seq >= grant.Seq))
        {
            return ApiProblems.Conflict("NONCE_ALREADY_USED", "This nonce was already used.",
                "Each nonce submits one step. Use the nonce returned with the last step you submitted.");
        }

        var now = clock.GetUtcNow();
        if (session.IsClosed || session.ExpiresAt <= now)
        {
            return ApiProblems.Conflict("SESSION_CLOSED", $"The session is {(session.ExpiresAt <= now && !session.IsClosed ? SessionStatus.Expired : session.Status)}.",
                "A closed session takes no more steps. Open a new session with POST /sessions.");
        }

        if (request.Skill != session.Skill)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["skill"] = [$"This session is for '{session.Skill}'."] },
                "SKILL_MISMATCH", "The skill does not match the session's.", "Send the skill the session was opened for.");
        }

        var manifest = await SkillAvailability.FindAvailableAsync(db, session.Skill, now - options.Value.SkillLivenessWindow, cancellationToken);
        if (manifest is null)
        {
            return SkillAvailability.Unavailable(http, session.Skill);
        }

        var stepManifest = manifest.Steps.FirstOrDefault(s => s.Name == request.Step);
        if (stepManifest is null)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["step"] = [$"'{session.Skill}' has the steps {string.Join(", ", manifest.Steps.Select(s => s.Name))}."] },
                "UNKNOWN_STEP", "The skill has no such step.", "Use the step names of GET /skills/{skill_id}, in order.");
        }

        if (steps.LastOrDefault() is { IsTerminal: false } previous)
        {
            return ApiProblems.Conflict("PREVIOUS_STEP_NOT_FINISHED", $"Step '{previous.Name}' is {previous.Status}.",
                "Wait until the previous step is COMPLETED (GET /sessions/{session_id}/steps/{step_id}?wait=30), then submit the next one.");
        }

        var expected = grant.Seq - 1 < manifest.Steps.Count ? manifest.Steps[grant.Seq - 1].Name : null;
        if (expected != request.Step)
        {
            return ApiProblems.Conflict("STEP_OUT_OF_ORDER", "Steps run in the skill's order.",
                expected is null ? "This session has no more steps." : $"The next step of this session is '{expected}'.");
        }

        var dataErrors = await ValidateAsync(manifest, stepManifest, request.Data!.Value);
        if (dataErrors.Count > 0)
        {
            return ApiProblems.Validation(dataErrors, detail: "Correct the fields listed in errors; data_schema and a working example are in GET /skills/{skill_id}.");
        }

        var step = new Step
        {
            Id = Guid.NewGuid(),
            SessionId = session.Id,
            Seq = grant.Seq,
            Name = stepManifest.Name,
            Status = stepManifest.Uploads.Any(u => u.Required) ? StepStatus.AwaitingUploads : StepStatus.Submitted,
            Data = request.Data!.Value.GetRawText(),
            NonceId = grant.Identifier,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Steps.Add(step);
        session.Status = SessionStatus.InProgress;
        session.UpdatedAt = now;
        if (step.Status == StepStatus.Submitted)
        {
            db.SendOnCommit(manifest.Queue, ToCommand(session, step, steps));
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // The same nonce raced itself: the other request recorded the step.
            return ApiProblems.Conflict("NONCE_ALREADY_USED", "This nonce was already used.",
                "Each nonce submits one step. Use the nonce returned with the last step you submitted.");
        }

        var (next, _) = nonces.Mint(session.Id, session.ClientId, grant.Seq + 1);
        return TypedResults.Accepted($"/sessions/{session.Id}/steps/{step.Id}", new StepAccepted(step.Id, next, step.Status));
    }

    public static async Task<Results<Ok<StepView>, ProblemHttpResult>> GetStep(
        Guid session_id, Guid step_id, int? wait, ClaimsPrincipal caller, SessionDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var clientId = caller.FindFirst("client_id")?.Value;
        if (!await db.Sessions.AnyAsync(s => s.Id == session_id && s.ClientId == clientId, cancellationToken))
        {
            return SessionsApi.NotFound(session_id);
        }

        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(Math.Clamp(wait ?? 0, 0, 30));
        while (true)
        {
            var step = await db.Steps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == step_id && s.SessionId == session_id, cancellationToken);
            if (step is null)
            {
                return ApiProblems.NotFound("STEP_NOT_FOUND", "No such step.", "Use the step_id returned when the step was submitted.");
            }

            if (step.IsTerminal || clock.GetUtcNow() >= deadline)
            {
                return TypedResults.Ok(StepView.From(step));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, cancellationToken);
        }
    }

    private static ProcessStep ToCommand(Session session, Step step, List<Step> earlier) => new()
    {
        SessionId = session.Id,
        StepId = step.Id,
        ClientId = session.ClientId,
        Skill = session.Skill,
        Step = step.Name,
        StepNumber = step.Seq,
        Data = JsonDocument.Parse(step.Data).RootElement.Clone(),
        PreviousResults = earlier.Where(s => s.Result is not null)
            .ToDictionary(s => s.Name, s => JsonDocument.Parse(s.Result!).RootElement.Clone()),
    };

    private static async Task<Dictionary<string, string[]>> ValidateAsync(SkillManifest manifest, StepManifest step, JsonElement data)
    {
        var schema = await Schemas.GetOrAdd($"{manifest.SkillId}|{manifest.Version}|{step.Name}|{step.DataSchema.GetRawText().GetHashCode(StringComparison.Ordinal)}",
            _ => JsonSchema.FromJsonAsync(step.DataSchema.GetRawText()));
        return schema.Validate(data.GetRawText())
            .GroupBy(e => string.IsNullOrEmpty(e.Property) ? (e.Path?.TrimStart('#', '/').Replace('/', '.') is { Length: > 0 } p ? p : "data") : ToField(e))
            .ToDictionary(g => g.Key, g => g.Select(e => Describe(e.Kind)).Distinct().ToArray());
    }

    private static string ToField(NJsonSchema.Validation.ValidationError error)
    {
        var path = error.Path?.TrimStart('#', '/').Replace('/', '.');
        return string.IsNullOrEmpty(path) ? error.Property! : path;
    }

    private static string Describe(NJsonSchema.Validation.ValidationErrorKind kind) => kind switch
    {
        NJsonSchema.Validation.ValidationErrorKind.PropertyRequired => "Required.",
        NJsonSchema.Validation.ValidationErrorKind.NoAdditionalPropertiesAllowed => "Not a field of this step.",
        NJsonSchema.Validation.ValidationErrorKind.StringExpected => "Must be a string.",
        NJsonSchema.Validation.ValidationErrorKind.IntegerExpected => "Must be an integer.",
        NJsonSchema.Validation.ValidationErrorKind.NumberExpected => "Must be a number.",
        NJsonSchema.Validation.ValidationErrorKind.StringTooShort => "Too short.",
        NJsonSchema.Validation.ValidationErrorKind.StringTooLong => "Too long.",
        NJsonSchema.Validation.ValidationErrorKind.PatternMismatch => "Does not have the expected format.",
        NJsonSchema.Validation.ValidationErrorKind.NotInEnumeration => "Not one of the allowed values.",
        _ => $"Invalid ({kind}).",
    };
}

public sealed record SubmitStepRequest(string? ClientId, string? Nonce, string? Skill, string? Step, JsonElement? Data);

public sealed record StepAccepted(Guid StepId, string Nonce, string Status);
