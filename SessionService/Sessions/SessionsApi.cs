using System.ComponentModel.DataAnnotations;
using System.Net.ServerSentEvents;
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

/// <summary>The seed's Sessions API (docs/sessions.md) and the tenant's view of its webhook deliveries.</summary>
public static class SessionsApi
{
    /// <summary>The longest a step long-poll may wait.</summary>
    public const int MaxWaitSeconds = 30;

    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        // The client app, with the credentials the seed puts in the body: its app key to open, the nonce to submit.
        var sessions = app.MapGroup("/sessions").WithTags("Sessions");
        sessions.MapPost("/", OpenAsync).WithName("OpenSession").WithBodyCredentials(BodyCredentials.ClientAppKey)
            .WithSummary("Open an onboarding session")
            .WithDescription("From the client app, with client_id and client_app_key in the body and a skill the tenant registered. "
                + "Returns the session_id and the nonce that authorises the first step (valid 30 minutes).")
            .Problems(StatusCodes.Status401Unauthorized, "INVALID_CLIENT_CREDENTIALS")
            .Problems(StatusCodes.Status403Forbidden, "SKILL_NOT_REGISTERED")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed)
            .Problems(StatusCodes.Status503ServiceUnavailable, "SKILL_UNAVAILABLE")
            .RequestExample("""{ "client_id": "{{client_id}}", "client_app_key": "{{client_app_key}}", "skill": "xyz_aisp_sbx_#1.0" }""")
            .ResponseExample(StatusCodes.Status201Created, """
                { "nonce": "F3YXJlCjAwMTZpZGVudGlmaWVyIG5vbmNlcwowMDJlY2lkIHRpbWU8MjAxOS0wNS0zMVQwOToxNToxNS41OTE5Nz",
                  "session_id": "7489fe74-a91d-4897-8895-cd5e05c0fc4b", "status": "SESSION_CREATED",
                  "next_step": "consent", "expires_at": "2019-05-31T09:15:15.591Z" }
                """);
        sessions.MapPost("/{session_id:guid}/steps", SubmitStepAsync).WithName("SubmitStep").WithBodyCredentials(BodyCredentials.Nonce)
            .WithSummary("Submit a step")
            .WithDescription("The next step's data (validated against the step's data_schema) with the current nonce, which is used up. "
                + "Returns the step_id and the nonce for the next step; the step runs asynchronously (read it with GET .../steps/{step_id}?wait=N).")
            .Problems(StatusCodes.Status401Unauthorized, "NONCE_INVALID", "NONCE_EXPIRED")
            .Problems(StatusCodes.Status404NotFound, "SESSION_NOT_FOUND")
            .Problems(StatusCodes.Status409Conflict, "NONCE_ALREADY_USED", "SESSION_CLOSED", "STEP_OUT_OF_ORDER", "PREVIOUS_STEP_NOT_FINISHED")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed, "SKILL_MISMATCH", "UNKNOWN_STEP")
            .Problems(StatusCodes.Status503ServiceUnavailable, "SKILL_UNAVAILABLE")
            .RequestExample("""
                { "client_id": "{{client_id}}", "nonce": "{{nonce}}", "skill": "xyz_sbx_#3.0", "step": "product_form",
                  "data": { "value": "100000", "currency": "EUR", "period": "12" } }
                """)
            .ResponseExample(StatusCodes.Status202Accepted, """
                { "step_id": "0193b2a4-6f1e-7c3a-9d52-1f0e8a7b6c5d", "nonce": "MDAxY2xvY2F0aW9uIGZpbnF3YXJlCjAwMTZpZGVudGlmaWVyIG5vbmNlcwo",
                  "status": "SUBMITTED", "expires_at": "2019-05-31T09:20:02.113Z" }
                """);

        var readers = app.MapGroup("/sessions").WithTags("Sessions").RequireClientAppOrServer()
            .Problems(StatusCodes.Status404NotFound, "SESSION_NOT_FOUND");
        readers.MapGet("/{session_id:guid}", GetSessionAsync).WithName("GetSession")
            .WithSummary("Read a session")
            .WithDescription("With the API token (the tenant's server) everything, results included; with Basic client_id:client_app_key "
                + "(the client app) statuses, next actions and error codes only. Another tenant's session is a 404.");
        readers.MapGet("/{session_id:guid}/steps/{step_id:guid}", GetStepAsync).WithName("GetStep")
            .WithSummary("Read a step")
            .WithDescription("?wait=N (at most 30 seconds) holds the answer while the connector works on the step, and answers as soon as it "
                + "reaches another status. Results only for the API token.")
            .Problems(StatusCodes.Status404NotFound, "STEP_NOT_FOUND")
            .Problems(StatusCodes.Status422UnprocessableEntity, ProblemCodes.ValidationFailed);
        readers.MapPost("/{session_id:guid}/cancel", CancelAsync).WithName("CancelSession")
            .WithSummary("Cancel a session")
            .WithDescription("Ends an open session as CANCELLED: its nonce stops working. A session that has already ended is a 409.")
            .Problems(StatusCodes.Status409Conflict, "SESSION_CLOSED");
        readers.MapGet("/{session_id:guid}/events", StreamEventsAsync).WithName("StreamSessionEvents")
            .WithSummary("Follow a session as Server-Sent Events")
            .WithDescription("text/event-stream: an event `session` with what GET /sessions/{session_id} answers now (for the same caller), then "
                + "one each time that changes, until the session ends; `heartbeat` every 15 seconds. Each event's id is a digest of the state: "
                + "reconnect with Last-Event-ID to miss nothing and get nothing twice (204 once the session you saw end has ended). "
                + "A stream closes after 10 minutes; reconnect. Browsers: fetch() with the Authorization header (EventSource cannot send one).")
            .Produces<SessionView>(StatusCodes.Status200OK, "text/event-stream")
            .Produces(StatusCodes.Status204NoContent);

        var servers = app.MapGroup("/sessions").WithTags("Sessions").RequireServer(AccessRefusal.WebhookDeliveries);
        servers.MapGet("/{session_id:guid}/webhooks", GetSessionDeliveriesAsync).WithName("GetSessionWebhookDeliveries")
            .WithSummary("Webhook deliveries about a session")
            .WithDescription("The webhook events sent about this session, with each delivery's attempts and outcome (API token).")
            .Problems(StatusCodes.Status404NotFound, "SESSION_NOT_FOUND");
        servers.MapGet("/webhook-deliveries", GetDeliveriesAsync).WithName("GetWebhookDeliveries")
            .WithSummary("The tenant's latest webhook deliveries")
            .WithDescription("Newest first; ?limit= from 1 to 200 (default 50). API token only.");
        servers.MapGet("/webhook-deliveries/{delivery_id:guid}", WebhookDeliveriesApi.GetAsync)
            .WithName("GetWebhookDelivery")
            .WithSummary("A webhook delivery and every attempt")
            .WithDescription("The delivery (its event_id) with attempt_history: each call to the webhook URL, when, the HTTP status or the error, "
                + "and how long it took. Another tenant's delivery is a 404. API token only.")
            .Problems(StatusCodes.Status404NotFound, WebhookDeliveriesApi.NotFoundCode);
        servers.MapPost("/webhook-deliveries/{delivery_id:guid}/redeliver", WebhookDeliveriesApi.RedeliverAsync)
            .WithName("RedeliverWebhook")
            .WithSummary("Send a webhook again")
            .WithDescription("A DELIVERED or FAILED delivery is queued again now (same event_id and body, signed anew, to the current webhook_url, "
                + "with the usual retries); a PENDING one is already on its way and keeps its schedule. 202 with the delivery and its attempts; "
                + "another tenant's delivery is a 404. API token only.")
            .Problems(StatusCodes.Status404NotFound, WebhookDeliveriesApi.NotFoundCode)
            .Problems(StatusCodes.Status409Conflict, WebhookDeliveriesApi.NoUrlCode);
        return app;
    }

    public static async Task<Results<Created<OpenSessionResponse>, ProblemHttpResult>> OpenAsync(
        OpenSessionRequest request, SessionWorkflow workflow, CancellationToken cancellationToken)
    {
        var opened = await workflow.OpenAsync(request, cancellationToken);
        return opened.Succeeded ? TypedResults.Created($"/sessions/{opened.Value.SessionId}", opened.Value) : SessionProblems.For(opened.Error);
    }

    public static async Task<Results<Accepted<SubmitStepResponse>, ProblemHttpResult>> SubmitStepAsync(
        [FromRoute(Name = "session_id")] Guid sessionId, SubmitStepRequest request, SessionWorkflow workflow, CancellationToken cancellationToken)
    {
        var submitted = await workflow.SubmitStepAsync(sessionId, request, cancellationToken);
        return submitted.Succeeded
            ? TypedResults.Accepted($"/sessions/{sessionId}/steps/{submitted.Value.StepId}", submitted.Value)
            : SessionProblems.For(submitted.Error);
    }

    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> GetSessionAsync(
        [FromRoute(Name = "session_id")] Guid sessionId, Caller caller, SessionWorkflow workflow, CancellationToken cancellationToken)
    {
        return await workflow.ReadAsync(sessionId, caller.ClientId, cancellationToken) is { } read
            ? TypedResults.Ok(View(read, caller.IsServer))
            : SessionProblems.For(new SessionError.SessionNotFound());
    }

    public static async Task<Results<Ok<StepView>, ProblemHttpResult>> GetStepAsync(
        [FromRoute(Name = "session_id")] Guid sessionId,
        [FromRoute(Name = "step_id")] Guid stepId,
        [FromQuery(Name = "wait"), Range(0, MaxWaitSeconds)] int? wait,
        Caller caller,
        SessionWorkflow workflow,
        SessionDbContext db,
        SessionChanges changes,
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
            // Woken at once by a change committed in any instance (SessionChanges); the waiter is registered before the
            // read, so a change committed between the read and the wait is not missed.
            var remaining = deadline - DateTimeOffset.UtcNow;
            var woken = changes.WaitForStepAsync(stepId, changes.Window(remaining), cancellationToken);
            var read = await workflow.ReadAsync(sessionId, caller.ClientId, cancellationToken);
            if (read?.Session.Steps.FirstOrDefault(s => s.Id == stepId) is not { } step)
            {
                return SessionProblems.For(new SessionError.StepNotFound());
            }

            if (!(step.Status is StepStatus.Submitted or StepStatus.Processing) || remaining <= TimeSpan.Zero)
            {
                return TypedResults.Ok(step.ToView(MissingUploads(step, read.Manifest), caller.IsServer));
            }

            // An outcome applied in this instance hands over the step as committed: no need to read it back.
            if (await woken is { } changed && !(changed.Status is StepStatus.Submitted or StepStatus.Processing))
            {
                return TypedResults.Ok(changed.ToView(MissingUploads(changed, read.Manifest), caller.IsServer));
            }

            db.ChangeTracker.Clear();
        }
    }

    /// <summary>
    /// The session as Server-Sent Events: an event <c>session</c> with what GET /sessions/{id} answers now, then one
    /// each time that changes, until the session ends (its last event is the final state) or
    /// <see cref="MaxStream"/> has passed; an event <c>heartbeat</c> every <see cref="Heartbeat"/> keeps proxies from
    /// closing an idle stream. Each event's id is a digest of its content: a client that reconnects with
    /// <c>Last-Event-ID</c> gets the state again only if it changed, and a <c>204</c> once the session it saw end has ended.
    /// </summary>
    public static async Task<Results<ServerSentEventsResult<object>, NoContent, ProblemHttpResult>> StreamEventsAsync(
        [FromRoute(Name = "session_id")] Guid sessionId,
        [FromHeader(Name = "Last-Event-ID"), MaxLength(64)] string? lastEventId,
        Caller caller,
        SessionWorkflow workflow,
        SessionDbContext db,
        SessionChanges changes,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var first = await workflow.ReadAsync(sessionId, caller.ClientId, cancellationToken);
        if (first is null)
        {
            return SessionProblems.For(new SessionError.SessionNotFound());
        }

        var view = View(first, caller.IsServer);
        if (SessionStatus.IsTerminal(view.Status) && SessionEvents.IdOf(view) == lastEventId)
        {
            return TypedResults.NoContent();
        }

        return TypedResults.ServerSentEvents(Events(view));

        async IAsyncEnumerable<SseItem<object>> Events(SessionView current)
        {
            var ends = clock.GetUtcNow() + MaxStream;
            var sent = lastEventId;
            var heartbeatAt = clock.GetUtcNow() + Heartbeat;
            while (true)
            {
                var id = SessionEvents.IdOf(current);
                if (id != sent)
                {
                    yield return new SseItem<object>(current, SessionEvents.Session) { EventId = id };
                    sent = id;
                }

                var now = clock.GetUtcNow();
                if (SessionStatus.IsTerminal(current.Status) || now >= ends || cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }

                var woken = changes.WaitForSessionAsync(sessionId, changes.Window(Min(heartbeatAt, ends) - now), cancellationToken);
                if (!await woken && clock.GetUtcNow() >= heartbeatAt)
                {
                    yield return new SseItem<object>(new SessionHeartbeat(clock.GetUtcNow()), SessionEvents.Heartbeat);
                    heartbeatAt = clock.GetUtcNow() + Heartbeat;
                }

                db.ChangeTracker.Clear();
                if (cancellationToken.IsCancellationRequested || await workflow.ReadAsync(sessionId, caller.ClientId, cancellationToken) is not { } read)
                {
                    yield break;
                }

                current = View(read, caller.IsServer);
            }
        }
    }

    /// <summary>How often an event stream with nothing to say sends a heartbeat.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>The longest one event stream stays open; the client reconnects with Last-Event-ID and misses nothing.</summary>
    public static readonly TimeSpan MaxStream = TimeSpan.FromMinutes(10);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public static async Task<Results<Ok<SessionView>, ProblemHttpResult>> CancelAsync(
        [FromRoute(Name = "session_id")] Guid sessionId, Caller caller, SessionWorkflow workflow, CancellationToken cancellationToken)
    {
        var cancelled = await workflow.CancelAsync(sessionId, caller.ClientId, cancellationToken);
        return cancelled.Succeeded ? TypedResults.Ok(View(cancelled.Value, caller.IsServer)) : SessionProblems.For(cancelled.Error);
    }

    public static async Task<Results<Ok<WebhookDeliveryList>, ProblemHttpResult>> GetSessionDeliveriesAsync(
        [FromRoute(Name = "session_id")] Guid sessionId, Caller caller, SessionDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Sessions.AnyAsync(s => s.Id == sessionId && s.ClientId == caller.ClientId, cancellationToken))
        {
            return SessionProblems.For(new SessionError.SessionNotFound());
        }

        return TypedResults.Ok(await WebhookDeliveryList.LoadAsync(db.WebhookDeliveries.Where(w => w.ClientId == caller.ClientId && w.SessionId == sessionId), 100, cancellationToken));
    }

    public static async Task<Ok<WebhookDeliveryList>> GetDeliveriesAsync(
        [FromQuery(Name = "limit"), Range(1, 200)] int? limit, Caller caller, SessionDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await WebhookDeliveryList.LoadAsync(db.WebhookDeliveries.Where(w => w.ClientId == caller.ClientId), Math.Clamp(limit ?? 50, 1, 200), cancellationToken));

    private static SessionView View(SessionRead read, bool server) =>
        read.Session.ToView(read.Manifest?.Steps.Select(s => s.Name).ToList() ?? [], step => MissingUploads(step, read.Manifest), server);

    private static IReadOnlyList<string> MissingUploads(Step step, SkillManifest? manifest) =>
        manifest?.Steps.FirstOrDefault(s => s.Name == step.Name)?.Uploads
            .Where(u => u.Required && !step.Attachments.Any(a => a.Kind == u.Kind))
            .Select(u => u.Kind).ToList() ?? [];
}
