using System.Text.Json;
using Finqware.ServiceDefaults.Data;
using Finqware.SessionService.Access;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Nonces;
using Finqware.SessionService.Skills;
using Finqware.SessionService.Telemetry;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Webhooks;
using Finqware.Contracts.Sessions;
using Finqware.Contracts.Skills;

namespace Finqware.SessionService.Sessions;

/// <summary>
/// The Sessions API's rules: opening a session, submitting steps in manifest order with single-use nonces
/// (<see cref="SessionNonces"/>), sending ready steps to their connector through the outbox, cancelling, and expiry when
/// a read or a submit finds a session past it (SessionExpirySweeper finds the rest). Every change and the messages it
/// causes are saved in one transaction. It answers values or <see cref="SessionError"/>s; the endpoints make them HTTP.
/// </summary>
public sealed partial class SessionWorkflow(
    SessionDbContext db,
    SessionInsert inserts,
    StepSubmitWrite submits,
    SubmittedSteps submitted,
    OutboxSignal outbox,
    TenantAccess tenants,
    SkillDirectory skills,
    SessionNonces nonces,
    StepDataValidator validator,
    WebhookOutbox webhooks,
    SessionMetrics metrics,
    TimeProvider clock,
    ILogger<SessionWorkflow> logger)
{
    public async Task<Result<OpenSessionResponse>> OpenAsync(OpenSessionRequest request, CancellationToken cancellationToken)
    {
        if (Missing(("client_id", request.ClientId), ("client_app_key", request.ClientAppKey), ("skill", request.Skill)) is { } missing)
        {
            return missing;
        }

        var tenant = await tenants.ByAppKeyAsync(request.ClientId, request.ClientAppKey, cancellationToken, request.Skill);
        if (tenant is null)
        {
            return new SessionError.InvalidClientCredentials();
        }

        if (!tenant.Skills.Contains(request.Skill!))
        {
            return new SessionError.SkillNotRegistered(request.Skill!);
        }

        var manifest = await skills.FindAsync(request.Skill!, cancellationToken);
        if (manifest is null || !await skills.IsAvailableAsync(manifest.SkillId, cancellationToken))
        {
            return new SessionError.SkillUnavailable(request.Skill!);
        }

        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7();
        var nonce = nonces.First(id, tenant.ClientId);
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
        return new OpenSessionResponse(nonce.Value, id, SessionStatus.Created, manifest.Steps.Count > 0 ? manifest.Steps[0].Name : null, nonce.ExpiresAt);
    }

    public async Task<Result<SubmitStepResponse>> SubmitStepAsync(Guid sessionId, SubmitStepRequest request, CancellationToken cancellationToken)
    {
        if (Missing(("client_id", request.ClientId), ("nonce", request.Nonce), ("skill", request.Skill), ("step", request.Step)) is { } missing)
        {
            return missing;
        }

        var session = await SessionQueries.LoadAsync(db, sessionId, request.ClientId!, cancellationToken);
        if (session is null)
        {
            return new SessionError.SessionNotFound();
        }

        if (await nonces.CheckAsync(session, request.Nonce, cancellationToken) is { } nonceError)
        {
            return nonceError;
        }

        var manifest = await skills.FindAsync(session.Skill, cancellationToken);
        if (manifest is null)
        {
            return new SessionError.SkillUnavailable(session.Skill);
        }

        if (await ExpireIfDueAsync(session, manifest, cancellationToken) || session.IsClosed)
        {
            return new SessionError.SessionClosed(session.Status);
        }

        if (request.Skill != session.Skill)
        {
            return new SessionError.SkillMismatch(session.Skill, request.Skill!);
        }

        var stepNames = manifest.Steps.Select(s => s.Name).ToList();
        var index = stepNames.IndexOf(request.Step!);
        if (index < 0)
        {
            return new SessionError.UnknownStep(session.Skill, stepNames);
        }

        if (index + 1 != session.NextSeq)
        {
            return new SessionError.StepOutOfOrder(session.NextSeq <= stepNames.Count ? stepNames[session.NextSeq - 1] : null);
        }

        if (session.Steps.FirstOrDefault(s => s.Number == index) is { } previous && previous.Status != StepStatus.Completed)
        {
            return new SessionError.PreviousStepNotFinished(session.Id, previous.Id, previous.Name, previous.Status);
        }

        var stepManifest = manifest.Steps[index];
        var errors = await validator.ValidateAsync(stepManifest.DataSchema, request.Data);
        if (errors.Count > 0)
        {
            return new SessionError.InvalidStepData(errors);
        }

        // After a redirect SCA the user goes back to redirect_uri: only to an address the tenant registered.
        if (request.Data.ValueKind == JsonValueKind.Object && request.Data.TryGetProperty("redirect_uri", out var redirect)
            && (redirect.ValueKind != JsonValueKind.String || !await tenants.RegisteredRedirectAsync(session.ClientId, redirect.GetString()!, cancellationToken)))
        {
            return new SessionError.InvalidStepData(new Dictionary<string, string[]>
            {
                ["data.redirect_uri"] = ["Not one of the tenant's registered redirect_uris (PATCH /tenants/{client_id}); it must match one exactly."],
            });
        }

        if (!await skills.IsAvailableAsync(session.Skill, cancellationToken))
        {
            return new SessionError.SkillUnavailable(session.Skill);
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

        var readStatus = session.Status;
        var spent = nonces.Spend(session, now);
        SessionLifecycle.Refresh(session, manifest.Steps.Count, now);
        session.UpdatedAt = now;
        var command = step.Status == StepStatus.Submitted ? OutboxMessage.For(StepCommands.ProcessStep(session, step), manifest.Queue) : null;

        // One round trip, beside EF Core (whose change tracking and save pipeline were a third of a submit's CPU): the
        // spent nonce, the step, the session and the outbox row as one batch, all or nothing.
        if (await SessionNonces.CommitAsync(() => submits.WriteAsync(session, readStatus, step, spent.Used, command, cancellationToken)) is { } lost)
        {
            return lost;
        }

        if (command is not null)
        {
            submitted.Remember(session, step);
            outbox.Committed([command]);
        }

        LogStepAccepted(logger, session.Id, step.Id, step.Name, step.Status);
        return new SubmitStepResponse(step.Id, spent.Next.Value, step.Status, step.Status == StepStatus.AwaitingUploads ? requiredUploads : null, spent.Next.ExpiresAt);
    }

    public async Task<Result<SessionRead>> CancelAsync(Guid sessionId, string clientId, CancellationToken cancellationToken)
    {
        var session = await SessionQueries.LoadAsync(db, sessionId, clientId, cancellationToken);
        if (session is null)
        {
            return new SessionError.SessionNotFound();
        }

        var manifest = await skills.FindAsync(session.Skill, cancellationToken);
        var withConnector = session.Steps.Where(s => StepStatus.IsWithConnector(s.Status))
            .Select(s => new CancelledStep { StepId = s.Id, Step = s.Name }).ToList();
        var now = clock.GetUtcNow();
        if (!SessionLifecycle.Cancel(session, now))
        {
            return new SessionError.SessionClosed(session.Status);
        }

        // The connector learns of it with the cancel's commit (outbox): it stops following those steps up and undoes
        // at the bank what it can.
        if (withConnector.Count > 0)
        {
            db.SendOnCommit(SkillQueues.For(session.Skill), new CancelSession
            {
                SessionId = session.Id, ClientId = session.ClientId, Skill = session.Skill, Steps = withConnector, CancelledAt = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        return new SessionRead(session, manifest);
    }

    /// <summary>The session (with steps and attachment metadata) of this tenant, expired first if due; null for anyone else's.</summary>
    public async Task<SessionRead?> ReadAsync(Guid sessionId, string clientId, CancellationToken cancellationToken)
    {
        var session = await SessionQueries.LoadAsync(db, sessionId, clientId, cancellationToken);
        if (session is null)
        {
            return null;
        }

        var manifest = await skills.FindAsync(session.Skill, cancellationToken);
        await ExpireIfDueAsync(session, manifest, cancellationToken);
        return new SessionRead(session, manifest);
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

    private static SessionError? Missing(params (string Name, string? Value)[] fields)
    {
        var missing = fields.Where(f => string.IsNullOrWhiteSpace(f.Value)).Select(f => f.Name).ToList();
        return missing.Count == 0 ? null : new SessionError.MissingFields(missing);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} opened by {ClientId} for {Skill}")]
    private static partial void LogOpened(ILogger logger, Guid sessionId, string clientId, string skill);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId}: step {StepId} ({Step}) accepted as {Status}")]
    private static partial void LogStepAccepted(ILogger logger, Guid sessionId, Guid stepId, string step, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId} ({Skill}) expired")]
    private static partial void LogExpired(ILogger logger, Guid sessionId, string skill);
}
