using Finqware.Contracts.Skills;
using Finqware.ServiceDefaults.Problems;
using Finqware.SessionService.Access;
using Finqware.SessionService.Infrastructure;
using Finqware.SessionService.Steps;
using Finqware.SessionService.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Finqware.SessionService.Sessions;

/// <summary>The seed's Sessions API (DESIGN §3.3) and the tenant's view of its webhook deliveries.</summary>
public static class SessionsApi
{
    /// <summary>The longest a step long-poll may wait.</summary>
    public const int MaxWaitSeconds = 30;

    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        // The client app, with the credentials the seed puts in the body: its app key to open, the nonce to submit.
        var sessions = app.MapGroup("/sessions").WithTags("Sessions");
        sessions.MapPost("/", OpenAsync).WithName("OpenSession").WithBodyCredentials(BodyCredentials.ClientAppKey)
            .WithSummary("Open an onboarding session (client app: client_id + client_app_key).");
        sessions.MapPost("/{session_id:guid}/steps", SubmitStepAsync).WithName("SubmitStep").WithBodyCredentials(BodyCredentials.Nonce)
            .WithSummary("Submit the next step's data with the current nonce; returns the step and the next nonce.");

        var readers = app.MapGroup("/sessions").WithTags("Sessions").RequireClientAppOrServer();
        readers.MapGet("/{session_id:guid}", GetSessionAsync).WithName("GetSession")
            .WithSummary("Read a session: Bearer API token (full) or Basic client_id:client_app_key (statuses only).");
        readers.MapGet("/{session_id:guid}/steps/{step_id:guid}", GetStepAsync).WithName("GetStep")
            .WithSummary("Read a step; ?wait=N (at most 30) waits while the connector works on it.");
        readers.MapPost("/{session_id:guid}/cancel", CancelAsync).WithName("CancelSession")
            .WithSummary("Cancel an open session (Bearer API token or Basic client_id:client_app_key).");

        var servers = app.MapGroup("/sessions").WithTags("Sessions").RequireServer(ServerOnly);
        servers.MapGet("/{session_id:guid}/webhooks", GetSessionDeliveriesAsync).WithName("GetSessionWebhookDeliveries")
            .WithSummary("Webhook deliveries about this session (Bearer API token).");
        servers.MapGet("/webhook-deliveries", GetDeliveriesAsync).WithName("GetWebhookDeliveries")
            .WithSummary("The tenant's latest webhook deliveries (Bearer API token).");
        return app;
    }

    public static async Task<Results<Created<OpenSessionResponse>, ProblemHttpResult>> OpenAsync(
        OpenSessionRequest request, SessionWorkflow workflow, CancellationToken cancellationToken)
    {
        var (opened, error) = await workflow.OpenAsync(request, cancellationToken);
        return opened is null ? error! : TypedResults.Created($"/sessions/{opened.SessionId}", opened);
    }

    public static async Task<Results<Accepted<SubmitStepResponse>, ProblemHttpResult>> SubmitStepAsync(
        [FromRoute(Name = "session_id")] Guid sessionId, SubmitStepRequest request, SessionWorkflow workflow, CancellationToken cancellationToken)
    {
        var (submitted, error) = await workflow.SubmitStepAsync(sessionId, request, cancellationToken);
        return submitted is null ? error! : TypedResults.Accepted($"/sessions/{sessionId}/steps/{submitted.StepId}", submitted);
    }

    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> GetSessionAsync(
        [FromRoute(Name = "session_id")] Guid sessionId, Caller caller, SessionWorkflow workflow, CancellationToken cancellationToken)
    {
        var (session, manifest) = await workflow.ReadAsync(sessionId, caller.ClientId, cancellationToken);
        return session is null ? SessionProblems.SessionNotFound() : TypedResults.Ok(View(session, manifest, caller.IsServer));
    }

    public static async Task<Results<Ok<StepView>, ProblemHttpResult>> GetStepAsync(
        [FromRoute(Name = "session_id")] Guid sessionId,
        [FromRoute(Name = "step_id")] Guid stepId,
        [FromQuery(Name = "wait")] int? wait,
        Caller caller,
        SessionWorkflow workflow,
        SessionDbContext db,
        StepNotifier notifier,
        CancellationToken cancellationToken)
    {
        if (wait is < 0)
        {
            return ApiProblems.Validation(new Dictionary<string, string[]> { ["wait"] = [$"must be between 0 and {MaxWaitSeconds}."] },
                ProblemCodes.ValidationFailed, "wait must be 0 or more seconds.", $"Send wait between 0 and {MaxWaitSeconds}.");
        }

        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(Math.Min(wait ?? 0, MaxWaitSeconds));
        while (true)
        {
            // Woken at once by an outcome applied in this instance; every second for one applied elsewhere. The waiter
            // is registered before the read, so an outcome applied between the read and the wait is not missed.
            var remaining = deadline - DateTimeOffset.UtcNow;
            var window = remaining <= TimeSpan.Zero ? TimeSpan.Zero : remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1);
            var woken = notifier.WaitAsync(stepId, window, cancellationToken);
            var (session, manifest) = await workflow.ReadAsync(sessionId, caller.ClientId, cancellationToken);
            var step = session?.Steps.FirstOrDefault(s => s.Id == stepId);
            if (session is null || step is null)
            {
                return SessionProblems.StepNotFound();
            }

            if (!(step.Status is StepStatus.Submitted or StepStatus.Processing) || remaining <= TimeSpan.Zero)
            {
                return TypedResults.Ok(step.ToView(MissingUploads(step, manifest), caller.IsServer));
            }

            // An outcome applied in this instance hands over the step as committed: no need to read it back.
            if (await woken is { } changed && !(changed.Status is StepStatus.Submitted or StepStatus.Processing))
            {
                return TypedResults.Ok(changed.ToView(MissingUploads(changed, manifest), caller.IsServer));
            }

            db.ChangeTracker.Clear();
        }
    }

    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> CancelAsync(
        [FromRoute(Name = "session_id")] Guid sessionId, Caller caller, SessionWorkflow workflow, CancellationToken cancellationToken)
    {
        var (session, manifest, error) = await workflow.CancelAsync(sessionId, caller.ClientId, cancellationToken);
        return session is null ? error! : TypedResults.Ok(View(session, manifest, caller.IsServer));
    }

    public static async Task<Results<Ok<WebhookDeliveryList>, ProblemHttpResult>> GetSessionDeliveriesAsync(
        [FromRoute(Name = "session_id")] Guid sessionId, Caller caller, SessionDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Sessions.AnyAsync(s => s.Id == sessionId && s.ClientId == caller.ClientId, cancellationToken))
        {
            return SessionProblems.SessionNotFound();
        }

        return TypedResults.Ok(await WebhookDeliveryList.LoadAsync(db.WebhookDeliveries.Where(w => w.ClientId == caller.ClientId && w.SessionId == sessionId), 100, cancellationToken));
    }

    public static async Task<Results<Ok<WebhookDeliveryList>, ProblemHttpResult>> GetDeliveriesAsync(
        [FromQuery(Name = "limit")] int? limit, Caller caller, SessionDbContext db, CancellationToken cancellationToken)
    {
        return TypedResults.Ok(await WebhookDeliveryList.LoadAsync(db.WebhookDeliveries.Where(w => w.ClientId == caller.ClientId), Math.Clamp(limit ?? 50, 1, 200), cancellationToken));
    }

    private static ProblemHttpResult ServerOnly() => ApiProblems.Create(401, "UNAUTHORIZED", "An API token is required.",
        "Webhook deliveries are server-side data: send Authorization: Bearer <token from POST /oauth/token>.");

    private static SessionView View(Session session, SkillManifest? manifest, bool server) =>
        session.ToView(manifest?.Steps.Select(s => s.Name).ToList() ?? [], step => MissingUploads(step, manifest), server);

    private static IReadOnlyList<string> MissingUploads(Step step, SkillManifest? manifest) =>
        manifest?.Steps.FirstOrDefault(s => s.Name == step.Name)?.Uploads
            .Where(u => u.Required && !step.Attachments.Any(a => a.Kind == u.Kind))
            .Select(u => u.Kind).ToList() ?? [];
}
