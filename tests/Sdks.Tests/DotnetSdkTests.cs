using System.Security.Cryptography;
using Finqware.Client;
using Finqware.Client.Generated.Models;
using Finqware.Contracts.Tenants;
using Finqware.ServiceDefaults.Security;
using Finqware.SessionService.Tenants;
using Finqware.SessionService.Webhooks;
using Microsoft.Extensions.Options;

namespace Finqware.Sdks.Tests;

/// <summary>The hand-written layer of Finqware.Client against a fake transport: no system needed (SdkFlowTests runs the flows).</summary>
public sealed class DotnetSdkTests
{
    private static readonly Uri BaseUrl = new("http://api.test/");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unsafe_call_sends_one_idempotency_key_kept_across_its_retries_after_retry_after()
    {
        var transport = new FakeTransport(
            _ => Problem(HttpStatusCode.ServiceUnavailable, "SKILL_UNAVAILABLE", retryAfter: 1),
            _ => Problem(HttpStatusCode.TooManyRequests, "RATE_LIMITED", retryAfter: 1),
            _ => Json(HttpStatusCode.Created, """{"nonce":"n","session_id":"7489fe74-a91d-4897-8895-cd5e05c0fc4b","status":"SESSION_CREATED","expires_at":"2026-01-01T00:00:00Z"}"""));
        var client = FinqwareClient.Anonymous(BaseUrl, new FinqwareClientOptions { InnerHandler = transport });

        var opened = await client.Sessions.PostAsync(new OpenSessionRequest { ClientId = "c", ClientAppKey = "k", Skill = "s" }, cancellationToken: Cancel);

        Assert.Equal("SESSION_CREATED", opened!.Status);
        Assert.Equal(3, transport.Seen.Count);
        var keys = transport.Seen.Select(r => r.IdempotencyKey).Distinct().ToList();
        Assert.True(Guid.TryParse(Assert.Single(keys), out _));
        Assert.Equal(transport.Bodies[0], transport.Bodies[2]);
    }

    [Fact]
    public async Task A_read_sends_no_idempotency_key_and_a_problem_is_thrown_with_its_code_and_trace_id()
    {
        var transport = new FakeTransport(_ => Problem(HttpStatusCode.NotFound, "SESSION_NOT_FOUND"));
        var client = FinqwareClient.ForClientApp(BaseUrl, "fqc_1", "fqk_2", new FinqwareClientOptions { InnerHandler = transport });

        var problem = await Assert.ThrowsAsync<Problem>(() => client.Sessions[Guid.NewGuid()].GetAsync(cancellationToken: Cancel));

        Assert.Equal("SESSION_NOT_FOUND", problem.Code);
        Assert.Equal("trace-1", problem.TraceId);
        Assert.Equal(404, problem.ResponseStatusCode);
        var request = Assert.Single(transport.Seen);
        Assert.Null(request.IdempotencyKey);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("fqc_1:fqk_2")), request.Authorization);
    }

    [Fact]
    public async Task The_server_client_gets_one_token_reuses_it_and_renews_it_when_refused()
    {
        var issued = 0;
        HttpResponseMessage Token(HttpRequestMessage _) => Json(HttpStatusCode.OK, $$"""{"access_token":"tok{{++issued}}","token_type":"Bearer","expires_in":900,"scope":""}""");
        var transport = new FakeTransport(
            Token,
            _ => Json(HttpStatusCode.OK, """{"connections":[]}"""),
            _ => Json(HttpStatusCode.OK, """{"connections":[]}"""),
            _ => Problem(HttpStatusCode.Unauthorized, "UNAUTHORIZED"),
            Token,
            _ => Json(HttpStatusCode.OK, """{"connections":[]}"""));
        var client = FinqwareClient.ForServer(BaseUrl, "fqc_1", "fqs_2", new FinqwareClientOptions { InnerHandler = transport });

        await client.Connections.GetAsync(cancellationToken: Cancel);
        await client.Connections.GetAsync(cancellationToken: Cancel);
        await client.Connections.GetAsync(cancellationToken: Cancel);

        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("fqc_1:fqs_2"));
        Assert.Equal(
            [$"POST /oauth/token {basic}", "GET /connections Bearer tok1", "GET /connections Bearer tok1", "GET /connections Bearer tok1", $"POST /oauth/token {basic}", "GET /connections Bearer tok2"],
            transport.Seen.Select(r => $"{r.Method} {r.Path} {r.Authorization}"));
        Assert.Equal("grant_type=client_credentials", transport.Bodies[0]);
    }

    [Fact]
    public void A_webhook_signed_by_sessionservice_verifies_and_an_altered_or_old_one_does_not()
    {
        const string secret = "whs_the_tenants_webhook_secret";
        const string rotated = "whs_the_secret_it_rotated_to";
        const string body = """{"event_id":"e1","type":"STEP_COMPLETED"}""";
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        // SessionService signs with the SHA-256 of each valid secret, which TenantService sealed to it; during a rotation with both.
        var (privateKey, publicKey) = SealedBox.NewKeyPair();
        var tenant = new TenantReplica { ClientId = "fqc_sdk" };
        foreach (var (value, validUntil) in new[] { (rotated, (DateTimeOffset?)null), (secret, now.AddHours(1)) })
        {
            var keyId = Guid.NewGuid();
            var sealedKey = SealedBox.Seal(SealedBox.ImportPublicKey(publicKey), SHA256.HashData(Encoding.UTF8.GetBytes(value)), SealedWebhookKey.ContextFor(tenant.ClientId, keyId));
            tenant.WebhookKeys.Add(new SealedWebhookKey { KeyId = keyId, Sealed = sealedKey, ValidUntil = validUntil });
        }

        using var signer = new WebhookSigner(Options.Create(new WebhookSealingOptions { PrivateKey = privateKey }));
        var header = signer.Sign(tenant, now, body)!;

        Assert.True(WebhookSignature.Verify(secret, header, body, now.AddSeconds(30)));
        Assert.True(WebhookSignature.Verify(rotated, header, body, now.AddSeconds(30)));
        Assert.False(WebhookSignature.Verify(secret, header, body + " ", now));
        Assert.False(WebhookSignature.Verify("another secret", header, body, now));
        Assert.False(WebhookSignature.Verify(secret, header, body, now.AddMinutes(6)));
        Assert.False(WebhookSignature.Verify(secret, header.Split(',')[0], body, now));
        Assert.False(WebhookSignature.Verify(secret, null, body, now));
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string json, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) };

    private static HttpResponseMessage Problem(HttpStatusCode status, string code, int? retryAfter = null)
    {
        var response = Json(status, $$"""{"status":{{(int)status}},"title":"t","code":"{{code}}","trace_id":"trace-1"}""", "application/problem+json");
        if (retryAfter is { } seconds)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }

        return response;
    }

    /// <summary>Answers each request with the next of the given answers, and keeps what it was sent.</summary>
    private sealed class FakeTransport(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        private int next;

        /// <summary>Each request as it was sent: method, path, Authorization and Idempotency-Key (the message itself is resent and changed).</summary>
        public List<(string Method, string Path, string? Authorization, string? IdempotencyKey)> Seen { get; } = [];

        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add((request.Method.Method, request.RequestUri!.AbsolutePath, request.Headers.Authorization?.ToString(),
                request.Headers.TryGetValues(IdempotencyKeyHandler.Header, out var keys) ? keys.Single() : null));
            Bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            return answers[next++](request);
        }
    }
}
