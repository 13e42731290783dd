using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Finqware.Contracts.Sessions;
using Finqware.AppHost.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Finqware.SessionService.Tests;

/// <summary>The seed's onboarding story against real PostgreSQL, real RabbitMQ and a connector built on the SDK.</summary>
public sealed partial class SessionFlowTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private SessionHost host = null!;

    public async ValueTask InitializeAsync() => host = await SessionHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    private static string SeedOpen(TestTenant tenant, string skill = TestSkills.Aisp) => $$"""
        {
          "client_id": "{{tenant.ClientId}}",
          "client_app_key": "{{tenant.AppKey}}",
          "skill": "{{skill}}"
        }
        """;

    private static string SeedStep(TestTenant tenant, string nonce) => $$"""
        {
          "client_id": "{{tenant.ClientId}}",
          "nonce": "{{nonce}}",
          "skill": "xyz_sbx_#3.0",
          "step": "product_form",
          "data": {
            "value": "100000",
            "currency": "EUR",
            "period": "12"
          }
        }
        """;

    private async Task<(Guid SessionId, string Nonce)> OpenAsync(TestTenant tenant, string skill = TestSkills.Deposit)
    {
        var (status, body) = await host.SendAsync(HttpMethod.Post, "/sessions", SeedOpen(tenant, skill));
        Assert.True(status == 201, body.ToString());
        return (body.GetProperty("session_id").GetGuid(), body.GetProperty("nonce").GetString()!);
    }

    private static object ConsentStep(TestTenant tenant, string nonce) =>
        new { client_id = tenant.ClientId, nonce, skill = TestSkills.Aisp, step = "consent", data = new { user = "user_good" } };

    /// <summary>Submits the AISP skill's consent step (user_good); returns the accepted step's id.</summary>
    private async Task<Guid> SubmitConsentAsync(TestTenant tenant, Guid sessionId, string nonce)
    {
        var (status, step) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", ConsentStep(tenant, nonce));
        Assert.True(status == 202, step.ToString());
        return step.GetProperty("step_id").GetGuid();
    }

    private async Task<JsonElement> WaitStepAsync(TestTenant tenant, Guid sessionId, Guid stepId, string status = "COMPLETED")
    {
        for (var i = 0; i < 10; i++)
        {
            var (code, step) = await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}/steps/{stepId}?wait=10", auth: SessionHost.Bearer(host.ApiToken(tenant.ClientId)));
            Assert.Equal(200, code);
            if (step.GetProperty("status").GetString() == status)
            {
                return step;
            }
        }

        throw new Xunit.Sdk.XunitException($"Step {stepId} did not reach {status}.");
    }

    [Fact]
    public async Task The_seeds_open_session_body_gets_the_seeds_response_shape_and_a_macaroon_nonce()
    {
        var tenant = await host.NewTenantAsync();

        var (status, body) = await host.SendAsync(HttpMethod.Post, "/sessions", SeedOpen(tenant));

        Assert.Equal(201, status);
        Assert.Equal("SESSION_CREATED", body.GetProperty("status").GetString());
        Assert.True(Guid.TryParse(body.GetProperty("session_id").GetString(), out _));
        Assert.Equal("consent", body.GetProperty("next_step").GetString());
        var macaroon = Encoding.Latin1.GetString(Base64Url.DecodeFromChars(body.GetProperty("nonce").GetString()));
        Assert.Contains("location finqware\n", macaroon, StringComparison.Ordinal);
        Assert.Contains("cid time < ", macaroon, StringComparison.Ordinal);
        Assert.Contains($"cid session_id = {body.GetProperty("session_id").GetString()}\n", macaroon, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_three_step_session_with_uploads_in_steps_1_and_2_completes_against_the_connector()
    {
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        await using var receiver = await WebhookReceiver.StartAsync(received);
        var tenant = await host.NewTenantAsync(receiver.Url);
        var (sessionId, nonce) = await OpenAsync(tenant);

        // Step 1: the seed's body verbatim; it waits for its ID document.
        var (status, step1) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", SeedStep(tenant, nonce));
        Assert.True(status == 202, step1.ToString());
        Assert.Equal("AWAITING_UPLOADS", step1.GetProperty("status").GetString());
        var step1Id = step1.GetProperty("step_id").GetGuid();
        nonce = step1.GetProperty("nonce").GetString()!;

        var pdf = SessionHost.Pdf();
        var (uploadStatus, upload) = await host.UploadAsync(step1Id, tenant.ClientId, nonce, "id_document", pdf, "id.pdf");
        Assert.True(uploadStatus == 201, upload.ToString());
        Assert.Equal("id_document", upload.GetProperty("kind").GetString());
        Assert.Equal(pdf.Length, upload.GetProperty("size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pdf)), upload.GetProperty("sha256").GetString());
        Assert.True(upload.TryGetProperty("attachment_id", out _));

        var done1 = await WaitStepAsync(tenant, sessionId, step1Id);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pdf)), done1.GetProperty("result").GetProperty("attachments").GetProperty("id_document").GetString());

        // Step 2 with a selfie; step 3 without uploads.
        var (_, step2) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps",
            new { client_id = tenant.ClientId, nonce, skill = TestSkills.Deposit, step = "kyc", data = new { name = "Ana Pop" } });
        var step2Id = step2.GetProperty("step_id").GetGuid();
        nonce = step2.GetProperty("nonce").GetString()!;
        Assert.Equal(201, (await host.UploadAsync(step2Id, tenant.ClientId, nonce, "selfie", SessionHost.Png(), "me.png")).Status);
        var done2 = await WaitStepAsync(tenant, sessionId, step2Id);
        Assert.Equal(["product_form"], done2.GetProperty("result").GetProperty("previous").EnumerateArray().Select(e => e.GetString()));

        var (status3, step3) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps",
            new { client_id = tenant.ClientId, nonce, skill = TestSkills.Deposit, step = "confirm", data = new { accept = true } });
        Assert.Equal(202, status3);
        Assert.Equal("SUBMITTED", step3.GetProperty("status").GetString());
        await WaitStepAsync(tenant, sessionId, step3.GetProperty("step_id").GetGuid());

        var (_, session) = await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}", auth: SessionHost.Bearer(host.ApiToken(tenant.ClientId)));
        Assert.Equal("COMPLETED", session.GetProperty("status").GetString());
        Assert.Equal(3, session.GetProperty("steps").GetArrayLength());

        // Webhooks: signed with the key derived from the webhook secret, recorded, readable by the tenant.
        await host.WaitForAsync(async db => await db.WebhookDeliveries.CountAsync(w => w.SessionId == sessionId && w.Status == "DELIVERED") == 4);
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(tenant.WebhookSecret));
        foreach (var (signature, body) in received)
        {
            var parts = signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{parts["t"]}.{body}")));
            Assert.Equal(expected, parts["v1"]);
        }

        Assert.Equal(["SESSION_COMPLETED", "STEP_COMPLETED", "STEP_COMPLETED", "STEP_COMPLETED"],
            received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()).Order(StringComparer.Ordinal));
        var (_, deliveries) = await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}/webhooks", auth: SessionHost.Bearer(host.ApiToken(tenant.ClientId)));
        Assert.Equal(4, deliveries.GetProperty("deliveries").GetArrayLength());
    }

    [Fact]
    public async Task A_document_uploaded_again_replaces_the_first_and_reading_a_session_leaves_document_bytes_in_the_database()
    {
        var tenant = await host.NewTenantAsync();
        var server = SessionHost.Bearer(host.ApiToken(tenant.ClientId));
        var (sessionId, nonce) = await OpenAsync(tenant);
        var (_, step1) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", SeedStep(tenant, nonce));
        var step1Id = step1.GetProperty("step_id").GetGuid();
        nonce = step1.GetProperty("nonce").GetString()!;

        // The optional proof of address twice (the second replaces the first), then the required ID document.
        var (first, second, id) = (SessionHost.Pdf(3000), SessionHost.Png(5000), SessionHost.Pdf(4000));
        Assert.Equal(201, (await host.UploadAsync(step1Id, tenant.ClientId, nonce, "proof_of_address", first)).Status);
        Assert.Equal(201, (await host.UploadAsync(step1Id, tenant.ClientId, nonce, "proof_of_address", second)).Status);
        Assert.Equal(201, (await host.UploadAsync(step1Id, tenant.ClientId, nonce, "id_document", id)).Status);
        var hashes = (await WaitStepAsync(tenant, sessionId, step1Id)).GetProperty("result").GetProperty("attachments");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(second)), hashes.GetProperty("proof_of_address").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(id)), hashes.GetProperty("id_document").GetString());
        var (_, read) = await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}", auth: server);
        Assert.Equal([("id_document", id.Length), ("proof_of_address", second.Length)],
            read.GetProperty("steps")[0].GetProperty("attachments").EnumerateArray()
                .Select(a => (a.GetProperty("kind").GetString(), a.GetProperty("size").GetInt32())).Order());

        // Everything SessionService does for the next step, in one trace: reads of the session (which has two documents
        // now), the submit, the selfie's upload, the outcome and the long-poll. Each loads the session's attachments, and
        // only their descriptions: the one statement with bytes is the upload's insert. (The connector fetched the bytes
        // above, in a trace of its own: the hashes in its result.)
        using var statements = new TraceStatements();
        host.Client.DefaultRequestHeaders.Add("traceparent", statements.TraceParent);
        await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}", auth: server);
        var (_, step2) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps",
            new { client_id = tenant.ClientId, nonce, skill = TestSkills.Deposit, step = "kyc", data = new { name = "Ana Pop" } });
        var step2Id = step2.GetProperty("step_id").GetGuid();
        Assert.Equal(201, (await host.UploadAsync(step2Id, tenant.ClientId, step2.GetProperty("nonce").GetString()!, "selfie", SessionHost.Png())).Status);
        await WaitStepAsync(tenant, sessionId, step2Id);
        await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}", auth: server);

        var onAttachments = statements.All.Where(sql => sql.Contains("attachments", StringComparison.Ordinal)).ToList();
        Assert.True(onAttachments.Count >= 4, string.Join("\n", statements.All));
        var withBytes = Assert.Single(onAttachments, sql => ContentColumn().IsMatch(sql));
        Assert.StartsWith("INSERT INTO attachments", withBytes, StringComparison.Ordinal);
        Assert.Equal(2, await host.QueryAsync(db => db.Attachments.CountAsync(a => a.StepId == step1Id)));
    }

    // A statement that reads or writes an attachment's bytes (not content_type).
    [GeneratedRegex(@"\bcontent\b")]
    private static partial Regex ContentColumn();

    [Fact]
    public async Task Replayed_forged_expired_and_other_session_nonces_are_refused_with_their_codes()
    {
        var tenant = await host.NewTenantAsync();
        var (sessionId, nonce) = await OpenAsync(tenant, TestSkills.Aisp);
        var (otherSession, otherNonce) = await OpenAsync(tenant, TestSkills.Aisp);
        object Step(string n) => ConsentStep(tenant, n);

        var bytes = Base64Url.DecodeFromChars(nonce);
        bytes[^5] ^= 0x01;
        var (forged, forgedBody) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", Step(Base64Url.EncodeToString(bytes)));
        Assert.Equal((401, "NONCE_INVALID"), (forged, forgedBody.GetProperty("code").GetString()));

        var (foreign, foreignBody) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", Step(otherNonce));
        Assert.Equal((401, "NONCE_INVALID"), (foreign, foreignBody.GetProperty("code").GetString()));

        Assert.Equal(202, (await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", Step(nonce))).Status);
        var (replayed, replayedBody) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", Step(nonce));
        Assert.Equal((409, "NONCE_ALREADY_USED"), (replayed, replayedBody.GetProperty("code").GetString()));

        host.Clock.Advance(TimeSpan.FromMinutes(31));
        var (expired, expiredBody) = await host.SendAsync(HttpMethod.Post, $"/sessions/{otherSession}/steps", Step(otherNonce));
        Assert.Equal((401, "NONCE_EXPIRED"), (expired, expiredBody.GetProperty("code").GetString()));
        Assert.Contains("trace_id", expiredBody.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Out_of_order_mismatched_invalid_and_oversized_requests_get_their_problem_codes()
    {
        var tenant = await host.NewTenantAsync();
        var (sessionId, nonce) = await OpenAsync(tenant);
        async Task<(int, string?)> Submit(object body)
        {
            var (status, problem) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", body);
            return (status, problem.TryGetProperty("code", out var code) ? code.GetString() : null);
        }

        Assert.Equal((422, "SKILL_MISMATCH"), await Submit(new { client_id = tenant.ClientId, nonce, skill = TestSkills.Aisp, step = "product_form", data = new { } }));
        Assert.Equal((409, "STEP_OUT_OF_ORDER"), await Submit(new { client_id = tenant.ClientId, nonce, skill = TestSkills.Deposit, step = "kyc", data = new { name = "x" } }));
        var (status, invalid) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps",
            new { client_id = tenant.ClientId, nonce, skill = TestSkills.Deposit, step = "product_form", data = new { value = "lots", currency = "USD" } });
        Assert.Equal(422, status);
        Assert.Equal("VALIDATION_FAILED", invalid.GetProperty("code").GetString());
        Assert.Equal(["data.currency", "data.period", "data.value"], invalid.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        // None of the refusals used the nonce.
        var (_, step1) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", SeedStep(tenant, nonce));
        var stepId = step1.GetProperty("step_id").GetGuid();
        nonce = step1.GetProperty("nonce").GetString()!;
        Assert.Equal((409, "PREVIOUS_STEP_NOT_FINISHED"), await Submit(new { client_id = tenant.ClientId, nonce, skill = TestSkills.Deposit, step = "kyc", data = new { name = "x" } }));

        var (tooLarge, tooLargeBody) = await host.UploadAsync(stepId, tenant.ClientId, nonce, "id_document", SessionHost.Pdf(70 * 1024));
        Assert.Equal((413, "UPLOAD_TOO_LARGE"), (tooLarge, tooLargeBody.GetProperty("code").GetString()));
        var (wrongType, wrongTypeBody) = await host.UploadAsync(stepId, tenant.ClientId, nonce, "id_document", "MZ this is an executable"u8.ToArray(), "id.pdf");
        Assert.Equal((415, "UNSUPPORTED_UPLOAD_TYPE"), (wrongType, wrongTypeBody.GetProperty("code").GetString()));
        var (foreignUpload, foreignUploadBody) = await host.UploadAsync(stepId, (await host.NewTenantAsync()).ClientId, nonce, "id_document", SessionHost.Pdf());
        Assert.Equal((404, "STEP_NOT_FOUND"), (foreignUpload, foreignUploadBody.GetProperty("code").GetString()));

        var (cancelled, cancelledBody) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/cancel", auth: SessionHost.Basic(tenant.ClientId, tenant.AppKey));
        Assert.Equal(200, cancelled);
        Assert.Equal("CANCELLED", cancelledBody.GetProperty("status").GetString());
        var (closed, closedBody) = await host.UploadAsync(stepId, tenant.ClientId, nonce, "id_document", SessionHost.Pdf());
        Assert.Equal((409, "SESSION_CLOSED"), (closed, closedBody.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Another_tenant_gets_404_and_the_client_app_key_reads_statuses_but_no_server_side_data()
    {
        var tenant = await host.NewTenantAsync();
        var other = await host.NewTenantAsync();
        var (sessionId, nonce) = await OpenAsync(tenant, TestSkills.Aisp);
        var (_, step) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", ConsentStep(tenant, nonce));
        var stepId = step.GetProperty("step_id").GetGuid();
        var done = await WaitStepAsync(tenant, sessionId, stepId);
        Assert.True(done.TryGetProperty("result", out _));

        foreach (var auth in new[] { SessionHost.Bearer(host.ApiToken(other.ClientId)), SessionHost.Basic(other.ClientId, other.AppKey) })
        {
            var (status, problem) = await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}", auth: auth);
            Assert.Equal((404, "SESSION_NOT_FOUND"), (status, problem.GetProperty("code").GetString()));
        }

        var (otherSubmit, otherProblem) = await host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps",
            new { client_id = other.ClientId, nonce = step.GetProperty("nonce").GetString(), skill = TestSkills.Aisp, step = "consent", data = new { user = "x" } });
        Assert.Equal((404, "SESSION_NOT_FOUND"), (otherSubmit, otherProblem.GetProperty("code").GetString()));

        var (clientStatus, clientView) = await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}", auth: SessionHost.Basic(tenant.ClientId, tenant.AppKey));
        Assert.Equal(200, clientStatus);
        Assert.Equal("COMPLETED", clientView.GetProperty("status").GetString());
        Assert.False(clientView.GetProperty("steps")[0].TryGetProperty("result", out _));
        var (_, clientStep) = await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}/steps/{stepId}", auth: SessionHost.Basic(tenant.ClientId, tenant.AppKey));
        Assert.False(clientStep.TryGetProperty("result", out _));

        Assert.Equal(401, (await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}", auth: SessionHost.Bearer(tenant.AppKey))).Status);
        Assert.Equal(401, (await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}", auth: SessionHost.Bearer(host.ApiToken(tenant.ClientId, "finqware-portal")))).Status);
        Assert.Equal(401, (await host.SendAsync(HttpMethod.Get, "/sessions/webhook-deliveries", auth: SessionHost.Basic(tenant.ClientId, tenant.AppKey))).Status);
        Assert.Equal(401, (await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}")).Status);
    }

    [Fact]
    public async Task A_step_accepted_before_a_restart_completes_once_after_it_and_a_duplicated_result_changes_nothing()
    {
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        await using var receiver = await WebhookReceiver.StartAsync(received);
        var tenant = await host.NewTenantAsync(receiver.Url);
        await host.StopConnectorAsync();
        // The skill stays available for its liveness window: the step is accepted and its ProcessStep queued.
        var (sessionId, nonce) = await OpenAsync(tenant, TestSkills.Aisp);
        var stepId = await SubmitConsentAsync(tenant, sessionId, nonce);
        await host.WaitForAsync(async db => !await db.Database.SqlQueryRaw<int>("SELECT 1 AS \"Value\" FROM outbox_messages").AnyAsync());

        // SessionService goes away; the connector processes the step and publishes the result meanwhile.
        await host.StopServiceAsync();
        await host.StartConnectorAsync(waitForHeartbeat: false);
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        await host.StartServiceAsync();

        var done = await WaitStepAsync(tenant, sessionId, stepId);
        var updatedAt = done.GetProperty("updated_at").GetDateTimeOffset();
        await host.WaitForAsync(async db => await db.WebhookDeliveries.CountAsync(w => w.SessionId == sessionId && w.Status == "DELIVERED") == 2);

        // The connector's result again, as a new message: nothing changes, no webhook is added.
        await host.PublishAsync(new StepProcessed
        {
            SessionId = sessionId, StepId = stepId, Skill = TestSkills.Aisp, Step = "consent", Outcome = "COMPLETED",
            Result = JsonDocument.Parse("""{"tampered":true}""").RootElement, ProcessedAt = DateTimeOffset.UtcNow,
        });
        await host.PublishAsync(new StepProcessed
        {
            SessionId = sessionId, StepId = stepId, Skill = TestSkills.Aisp, Step = "consent", Outcome = "FAILED",
            Error = new StepError { Code = "LATE", Message = "late" }, ProcessedAt = DateTimeOffset.UtcNow,
        });
        await host.WaitForAsync(async db => await db.Database.SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM inbox_messages").SingleAsync() >= 3);

        var (_, after) = await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}/steps/{stepId}", auth: SessionHost.Bearer(host.ApiToken(tenant.ClientId)));
        Assert.Equal("COMPLETED", after.GetProperty("status").GetString());
        Assert.Equal(updatedAt, after.GetProperty("updated_at").GetDateTimeOffset());
        Assert.False(after.GetProperty("result").TryGetProperty("tampered", out _));
        Assert.Equal(2, await host.QueryAsync(db => db.WebhookDeliveries.CountAsync(w => w.SessionId == sessionId)));
        Assert.Equal(1, await host.QueryAsync(db => db.Steps.CountAsync(s => s.SessionId == sessionId)));
    }

    [Fact]
    public async Task An_outcome_or_data_event_from_anyone_but_the_skills_connector_is_refused_and_changes_nothing()
    {
        var tenant = await host.NewTenantAsync(null, TestSkills.Aisp);
        await host.StopConnectorAsync();
        // The skill stays available for its liveness window: the step is accepted and waits on its queue.
        var (sessionId, nonce) = await OpenAsync(tenant, TestSkills.Aisp);
        var stepId = await SubmitConsentAsync(tenant, sessionId, nonce);
        var forged = new StepProcessed
        {
            SessionId = sessionId, StepId = stepId, Skill = TestSkills.Aisp, Step = "consent", Outcome = "COMPLETED",
            Result = JsonDocument.Parse("""{"forged":true}""").RootElement, ProcessedAt = DateTimeOffset.UtcNow,
        };

        // Another provider's connector, with broker credentials of its own (and an outcome that says it is for this
        // skill); a message no broker user vouches for; another connector's data for the session.
        var intruder = new ConnectorBrokerUser($"intruder-{Guid.NewGuid():N}"[..20], "other", ["other_thing_sbx_#1.0"]);
        await using var other = await MessageRecorder.PublisherAsync(await rabbit.CreateConnectorUserAsync(host.Broker, intruder), intruder.Name);
        await using var nobody = await MessageRecorder.PublisherAsync(host.Broker);
        await other.PublishAsync(forged);
        await nobody.PublishAsync(forged);
        await other.PublishAsync(new ConnectionDataSynced
        {
            ConnectionId = "forged-connection", SessionId = sessionId, ClientId = tenant.ClientId, Skill = TestSkills.Aisp,
            ValidUntil = DateTimeOffset.UtcNow.AddDays(90), Accounts = [], SyncedAt = DateTimeOffset.UtcNow,
        });

        await host.WaitForAsync(async _ => await rabbit.QueueDepthAsync(host.Broker, "sessions-step-processed_error") == 2
            && await rabbit.QueueDepthAsync(host.Broker, "sessions-connection-data-synced_error") == 1);
        var (_, pending) = await host.SendAsync(HttpMethod.Get, $"/sessions/{sessionId}/steps/{stepId}", auth: SessionHost.Bearer(host.ApiToken(tenant.ClientId)));
        Assert.Equal("SUBMITTED", pending.GetProperty("status").GetString());
        Assert.Equal(0, await host.QueryAsync(db => db.Connections.CountAsync(c => c.SessionId == sessionId)));

        // The skill's own connector is heard.
        await host.PublishAsync(forged with { Result = JsonDocument.Parse("""{"from":"its connector"}""").RootElement });
        var done = await WaitStepAsync(tenant, sessionId, stepId);
        Assert.Equal("its connector", done.GetProperty("result").GetProperty("from").GetString());
    }

    [Fact]
    public async Task A_redelivered_older_outcome_does_not_overwrite_a_newer_one()
    {
        var handled = new ConcurrentQueue<string>();
        var redirect = Guid.NewGuid();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "MassTransit",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Kind == System.Diagnostics.ActivityKind.Consumer && activity.TagObjects.Any(tag => tag.Value?.ToString() == redirect.ToString()))
                {
                    handled.Enqueue(activity.DisplayName);
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var tenant = await host.NewTenantAsync();
        await host.StopConnectorAsync();
        var (sessionId, nonce) = await OpenAsync(tenant, TestSkills.Aisp);
        var stepId = await SubmitConsentAsync(tenant, sessionId, nonce);
        StepProcessed Outcome(string outcome) => new()
        {
            SessionId = sessionId, StepId = stepId, Skill = TestSkills.Aisp, Step = "consent", Outcome = outcome,
            Action = outcome == "ACTION_REQUIRED" ? new StepAction { Type = "REDIRECT", Url = "https://bank.test/sca" } : null,
            ProcessedAt = DateTimeOffset.UtcNow,
        };

        // The bank asks for SCA, then, the user authorised, the connector waits for the bank's verification.
        var actionRequired = Outcome("ACTION_REQUIRED");
        await host.PublishAsync(actionRequired, redirect);
        await WaitStepAsync(tenant, sessionId, stepId, "ACTION_REQUIRED");
        await host.PublishAsync(Outcome("PENDING_VERIFICATION"), Guid.NewGuid());
        await WaitStepAsync(tenant, sessionId, stepId, "PENDING_VERIFICATION");
        var deliveries = handled.Count;
        Assert.True(deliveries > 0, "the consume spans of the first delivery were not seen");

        // The broker delivers the SCA request again (same message id): it was applied once and is not applied again.
        await host.PublishAsync(actionRequired, redirect);
        await host.WaitForAsync(_ => Task.FromResult(handled.Count >= deliveries * 2));

        Assert.Equal("PENDING_VERIFICATION", await host.QueryAsync(async db => (await db.Steps.SingleAsync(s => s.Id == stepId)).Status));
        Assert.Equal(1, await host.QueryAsync(db => db.Set<Finqware.ServiceDefaults.Data.InboxMessage>().CountAsync(m => m.MessageId == redirect)));
    }

    [Fact]
    public async Task Submits_racing_with_one_nonce_accept_exactly_one_step()
    {
        var tenant = await host.NewTenantAsync();
        var (sessionId, nonce) = await OpenAsync(tenant, TestSkills.Aisp);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => host.SendAsync(HttpMethod.Post, $"/sessions/{sessionId}/steps", ConsentStep(tenant, nonce)))));

        Assert.Single(answers, answer => answer.Status == 202);
        Assert.All(answers.Where(answer => answer.Status != 202), answer =>
            Assert.Equal((409, "NONCE_ALREADY_USED"), (answer.Status, answer.Body.GetProperty("code").GetString())));
        Assert.Equal(1, await host.QueryAsync(db => db.Steps.CountAsync(s => s.SessionId == sessionId)));
        Assert.Equal(1, await host.QueryAsync(db => db.UsedNonces.CountAsync(n => n.SessionId == sessionId)));
        Assert.Equal(2, await host.QueryAsync(async db => (await db.Sessions.SingleAsync(s => s.Id == sessionId)).NextSeq));
    }
}
