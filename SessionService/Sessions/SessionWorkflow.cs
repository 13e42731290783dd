using System.Text.Json;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;
using Finqware.ServiceDefaults.Outbox;
using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Access;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Skills;
using Finqware.SessionService.Telemetry;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// The Sessions API's rules: opening a session, submitting steps in manifest order with single-use nonces, sending
/// ready steps to their connector through the outbox, cancelling, and expiry when a read or a submit finds a session past it (SessionExpirySweeper finds the rest). Every change and the messages it
/// causes are saved in one transaction.
/// </summary>
public sealed partial class SessionWorkflow(
    SessionDbContext db,
    SessionInsert inserts,
    StepSubmitWrite submits,
    SubmittedSteps submitted,
    OutboxSignal outbox,
    TenantAccess access,
    SkillDirectory skills,
    NonceService nonces,
    StepDataValidator validator,
    WebhookOutbox webhooks,
    SessionMetrics metrics,
    TimeProvider clock,
    ILogger<SessionWorkflow> logger)
{
    public async Task<(OpenSessionResponse? Opened, ProblemHttpResult? Error)> OpenAsync(OpenSessionRequest request, CancellationToken cancellationToken)
    {
        var missing = Missing(("client_id", request.ClientId), ("client_app_key", request.ClientAppKey), ("skill", request.Skill));
        if (missing is not null)
        {
            return (null, missing);
        }

        var tenant = await access.ByAppKeyAsync(request.ClientId, request.ClientAppKey, cancellationToken);
        if (tenant is null)
        {
            return (null, ApiProblems.Create(401, "INVALID_CLIENT_CREDENTIALS", "The client_id and client_app_key do not match an active tenant.",
                "Use the client_id and client_app_key shown when the tenant was registered (or the rotated key)."));
        }

        if (!tenant.Skills.Contains(request.Skill!))
        {
            return (null, ApiProblems.Create(403, "SKILL_NOT_REGISTERED", "The tenant has not registered this skill.",
                $"Register {request.Skill} for your tenant (PUT /tenants/{{client_id}}/skills) before opening sessions with it."));
        }

        var manifest = await skills.FindAsync(request.Skill!, cancellationToken);
        if (manifest is null || !await skills.IsAvailableAsync(manifest.SkillId, cancellationToken))
        {
            return (null, SessionProblems.SkillUnavailable(request.Skill!));
        }

        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        var nonce = nonces.Mint(id, tenant.ClientId, seq: 1);
        await inserts.InsertAsync(new Session
        {
            Id = id,
            ClientId = tenant.ClientId,
            Skill = manifest.SkillId,
            Status = SessionStatus.Created,
            CreatedAt = now,
            UpdatedAt = now,
            ExpiresAt = nonce.ExpiresAt,
            NextSeq = 1,
            CurrentNonceId = nonce.Identifier,
        }, cancellationToken);
        LogOpened(logger, id, tenant.ClientId, manifest.SkillId);
        metrics.SessionOpened(manifest.SkillId);
        return (new OpenSessionResponse(nonce.Value, id, SessionStatus.Created, manifest.Steps.Count > 0 ? manifest.Steps[0].Name : null, nonce.ExpiresAt), null);
    }

    public async Task<(SubmitStepResponse? Submitted, ProblemHttpResult? Error)> SubmitStepAsync(Guid sessionId, SubmitStepRequest request, CancellationToken cancellationToken)
    {
        var missing = Missing(("client_id", request.ClientId), ("nonce", request.Nonce), ("skill", request.Skill), ("step", request.Step));
        if (missing is not null)
        {
            return (null, missing);
        }

        var session = await LoadAsync(sessionId, request.ClientId!, cancellationToken);
        if (session is null)
        {
            return (null, SessionProblems.SessionNotFound());
        }

        if (await CheckNonceAsync(session, request.Nonce, cancellationToken) is { } nonceError)
        {
            return (null, nonceError);
        }

        var manifest = await skills.FindAsync(session.Skill, cancellationToken);
        if (manifest is null)
        {
            return (null, SessionProblems.SkillUnavailable(session.Skill));
        }

        if (await ExpireIfDueAsync(session, manifest, cancellationToken) || session.IsClosed)
        {
            return (null, SessionProblems.SessionClosed(session.Status));
        }

        if (request.Skill != session.Skill)
        {
            return (null, ApiProblems.Create(422, "SKILL_MISMATCH", "The skill does not match the session's.",
                $"This session runs {session.Skill}; send that skill, or open a new session for {request.Skill}."));
        }

        var index = manifest.Steps.Select(s => s.Name).ToList().IndexOf(request.Step!);
        if (index < 0)
        {
            return (null, ApiProblems.Create(422, "UNKNOWN_STEP", "The skill has no such step.",
                $"{session.Skill} has the steps {string.Join(", ", manifest.Steps.Select(s => s.Name))} (GET /skills/{{skill_id}})."));
        }

        if (index + 1 != session.NextSeq)
        {
            var expected = session.NextSeq <= manifest.Steps.Count ? $"the next step is {manifest.Steps[session.NextSeq - 1].Name}" : "every step has been submitted";
            return (null, ApiProblems.Create(409, "STEP_OUT_OF_ORDER", "Steps run in the skill's order.", $"In this session {expected}."));
        }

        if (session.Steps.FirstOrDefault(s => s.Number == index) is { } previous && previous.Status != StepStatus.Completed)
        {
            return (null, ApiProblems.Create(409, "PREVIOUS_STEP_NOT_FINISHED", "The previous step has not completed yet.",
                $"Step {previous.Name} is {previous.Status}. Wait for it (GET /sessions/{session.Id}/steps/{previous.Id}?wait=30) and then submit this step."));
        }

        var stepManifest = manifest.Steps[index];
        var errors = await validator.ValidateAsync(stepManifest.DataSchema, request.Data);
        if (errors.Count > 0)
        {
            return (null, ApiProblems.Validation(errors, ProblemCodes.ValidationFailed, "The step's data is not valid.",
                $"Correct the fields listed in errors; the step's data_schema is in GET /skills/{{skill_id}}. The nonce was not used."));
        }

        if (!await skills.IsAvailableAsync(session.Skill, cancellationToken))
        {
            return (null, SessionProblems.SkillUnavailable(session.Skill));
        }

        var now = DatabaseTime.Stored(clock.GetUtcNow());
        var requiredUploads = stepManifest.Uploads.Where(u => u.Required).Select(u => u.Kind).ToList();
        var step = new Step
        {
            Id = Guid.CreateVersion7(),
            SessionId = session.Id,
            Number = session.NextSeq,
            Name = stepManifest.Name,
            Status = requiredUploads.Count > 0 ? StepStatus.AwaitingUploads : StepStatus.Submitted,
            Data = JsonDocument.Parse(request.Data.GetRawText()),
            CreatedAt = now,
            UpdatedAt = now,
        };
        session.Steps.Add(step);

        var next = nonces.Mint(session.Id, session.ClientId, session.NextSeq + 1);
        var used = new UsedNonce { Identifier = session.CurrentNonceId, SessionId = session.Id, UsedAt = now };
        var readStatus = session.Status;
        session.CurrentNonceId = next.Identifier;
        session.NextSeq++;
        session.ExpiresAt = next.ExpiresAt;
        SessionLifecycle.Refresh(session, manifest.Steps.Count, now);
        session.UpdatedAt = now;
        var command = step.Status == StepStatus.Submitted ? OutboxMessage.For(Command(session, step), manifest.Queue) : null;

        // One round trip, beside EF Core (whose change tracking and save pipeline were a third of a submit's CPU): the
        // used nonce, the step, the session and the outbox row as one batch, all or nothing. Two submits racing on one
        // nonce both insert it into used_nonces (only a submit changes a session's nonce, and always so): the second
        // fails on that key and writes nothing.
        try
        {
            await submits.WriteAsync(session, readStatus, step, used, command, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            // Another request consumed the same nonce first.
            return (null, SessionProblems.NonceAlreadyUsed());
        }

        if (command is not null)
        {
            submitted.Remember(session, step);
            outbox.Committed([command]);
        }

        LogStepAccepted(logger, session.Id, step.Id, step.Name, step.Status);
        return (new SubmitStepResponse(step.Id, next.Value, step.Status, step.Status == StepStatus.AwaitingUploads ? requiredUploads : null, next.ExpiresAt), null);
    }

    public async Task<(Session? Session, SkillManifest? Manifest, ProblemHttpResult? Error)> CancelAsync(Guid sessionId, string clientId, CancellationToken cancellationToken)
    {
        var session = await LoadAsync(sessionId, clientId, cancellationToken);
        if (session is null)
        {
            return (null, null, SessionProblems.SessionNotFound());
        }

        var manifest = await skills.FindAsync(session.Skill, cancellationToken);
        if (!SessionLifecycle.Cancel(session, clock.GetUtcNow()))
        {
            return (null, null, SessionProblems.SessionClosed(session.Status));
        }

        await db.SaveChangesAsync(cancellationToken);
        return (session, manifest, null);
    }

    /// <summary>The session (with steps and attachment metadata) of this tenant, expired first if due; null for anyone else's.</summary>
    public async Task<(Session? Session, SkillManifest? Manifest)> ReadAsync(Guid sessionId, string clientId, CancellationToken cancellationToken)
    {
        var session = await LoadAsync(sessionId, clientId, cancellationToken);
        if (session is null)
        {
            return (null, null);
        }

        var manifest = await skills.FindAsync(session.Skill, cancellationToken);
        await ExpireIfDueAsync(session, manifest, cancellationToken);
        return (session, manifest);
    }

    public Task<Session?> LoadAsync(Guid sessionId, string clientId, CancellationToken cancellationToken) =>
        LoadQuery(db, sessionId, clientId, cancellationToken);

    // Compiled once: every submit, read and long-poll runs it, and EF's per-call translation-cache lookup (walking the
    // expression tree to find its parameters) was a sixth of its CPU.
    private static readonly Func<SessionDbContext, Guid, string, CancellationToken, Task<Session?>> LoadQuery =
        EF.CompileAsyncQuery((SessionDbContext db, Guid sessionId, string clientId, CancellationToken _) =>
            db.Sessions
                .Include(s => s.Steps).ThenInclude(s => s.Attachments)
                .AsSingleQuery()
                .FirstOrDefault(s => s.Id == sessionId && s.ClientId == clientId));

    /// <summary>
    /// Checks that <paramref name="nonce"/> is the session's outstanding nonce: signed by us, for this session and
    /// tenant, not expired, not used. Does not consume it.
    /// </summary>
    public async Task<ProblemHttpResult?> CheckNonceAsync(Session session, string? nonce, CancellationToken cancellationToken)
    {
        var check = nonces.Verify(nonce, session.Id, session.ClientId);
        if (check.Verdict == NonceVerdict.Invalid)
        {
            return SessionProblems.NonceInvalid();
        }

        if (check.Identifier != session.CurrentNonceId)
        {
            return await db.UsedNonces.AnyAsync(n => n.Identifier == check.Identifier, cancellationToken)
                ? SessionProblems.NonceAlreadyUsed()
                : SessionProblems.NonceInvalid();
        }

        return check.Verdict == NonceVerdict.Expired ? SessionProblems.NonceExpired() : null;
    }

    /// <summary>Sends the step to its skill's queue when this unit of work commits.</summary>
    public void Dispatch(Session session, Step step, SkillManifest manifest) => db.SendOnCommit(manifest.Queue, Command(session, step));

    /// <summary>The command that has the skill's connector run <paramref name="step"/>, with the results of the steps before it.</summary>
    private static ProcessStep Command(Session session, Step step)
    {
        var previous = session.Steps
            .Where(s => s.Number < step.Number && s.Result is not null)
            .ToDictionary(s => s.Name, s => s.Result!.RootElement.Clone());
        return new ProcessStep
        {
            SessionId = session.Id,
            StepId = step.Id,
            ClientId = session.ClientId,
            Skill = session.Skill,
            Step = step.Name,
            StepNumber = step.Number,
            Data = step.Data.RootElement.Clone(),
            Attachments = [.. step.Attachments.OrderBy(a => a.CreatedAt).Select(a => new AttachmentDescriptor
            {
                AttachmentId = a.Id,
                Kind = a.Kind,
                ContentType = a.ContentType,
                Size = a.Size,
                Sha256 = a.Sha256,
            })],
            PreviousResults = previous,
        };
    }

    private async Task<bool> ExpireIfDueAsync(Session session, SkillManifest? manifest, CancellationToken cancellationToken)
    {
        if (!await SessionExpiry.ExpireIfDueAsync(session, webhooks, clock.GetUtcNow(), cancellationToken))
        {
            return false;
        }

        await db.SaveChangesAsync(cancellationToken);
        LogExpired(logger, session.Id, manifest?.SkillId ?? session.Skill);
        return true;
    }

    private static ProblemHttpResult? Missing(params (string Name, string? Value)[] fields)
    {
        var missing = fields.Where(f => string.IsNullOrWhiteSpace(f.Value)).Select(f => f.Name).ToList();
        return missing.Count == 0 ? null : SessionProblems.Missing(missing);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} opened by {ClientId} for {Skill}")]
    private static partial void LogOpened(ILogger logger, Guid sessionId, string clientId, string skill);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: step {StepId} ({Step}) accepted as {Status}")]
    private static partial void LogStepAccepted(ILogger logger, Guid sessionId, Guid stepId, string step, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} ({Skill}) expired")]
    private static partial void LogExpired(ILogger logger, Guid sessionId, string skill);
}
