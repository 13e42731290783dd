using MassTransit;
using Microsoft.Extensions.Hosting;
using System.Buffers.Text;
using Finqware.AppHost;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The seed's onboarding contract through the gateway, against the example connector over RabbitMQ: the seed's request
/// bodies (ids substituted) get the seed's response shapes, and the tenant's server reads the result with its token.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class SessionFlowTests(SystemFixture system)
{
    private const string Skill = "example_echo_sbx_#1.0";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_session_runs_from_post_sessions_to_a_completed_step_the_server_reads_with_its_token()
    {
        var demo = await DemoAsync();

        var created = await OpenSessionAsync(demo.ClientId, demo.AppKey);
        Assert.Equal("SESSION_CREATED", created.GetProperty("status").GetString());
        var sessionId = created.GetProperty("session_id").GetString()!;
        Assert.True(Guid.TryParse(sessionId, out _));
        var macaroon = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(created.GetProperty("nonce").GetString()!));
        Assert.Contains("location finqware\n", macaroon, StringComparison.Ordinal);
        Assert.Contains("cid time < ", macaroon, StringComparison.Ordinal);

        var submitted = await PostAsync($"/sessions/{sessionId}/steps", $$"""
            {
              "client_id": "{{demo.ClientId}}",
              "nonce": "{{created.GetProperty("nonce").GetString()}}",
              "skill": "{{Skill}}",
              "step": "greeting",
              "data": { "name": "Ana" }
            }
            """);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var accepted = await submitted.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var stepId = accepted.GetProperty("step_id").GetString();
        Assert.Equal("SUBMITTED", accepted.GetProperty("status").GetString());
        Assert.NotEqual(created.GetProperty("nonce").GetString(), accepted.GetProperty("nonce").GetString());

        using var server = await ServerClientAsync(demo.ClientId, demo.Secret);
        var step = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/steps/{stepId}?wait=20", Cancel);
        Assert.Equal("COMPLETED", step.GetProperty("status").GetString());
        Assert.Equal("Hello, Ana!", step.GetProperty("result").GetProperty("greeting").GetString());
        var session = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}", Cancel);
        Assert.Equal("COMPLETED", session.GetProperty("status").GetString());

        // A duplicated or late outcome for the finished step changes nothing (terminal statuses never change).
        var bus = await BusAsync();
        try
        {
            await bus.Publish(new Contracts.Sessions.StepProcessed
            {
                SessionId = Guid.Parse(sessionId), StepId = Guid.Parse(stepId!), Skill = Skill, Step = "greeting",
                Outcome = "FAILED", Error = new Contracts.Sessions.StepError { Code = "LATE", Message = "a late copy" }, ProcessedAt = DateTimeOffset.UtcNow,
            }, Cancel);
            await Task.Delay(1500, Cancel);
        }
        finally
        {
            await bus.StopAsync(Cancel);
        }

        var after = await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}/steps/{stepId}", Cancel);
        Assert.Equal("COMPLETED", after.GetProperty("status").GetString());
        Assert.Equal("COMPLETED", (await server.GetFromJsonAsync<JsonElement>($"/sessions/{sessionId}", Cancel)).GetProperty("status").GetString());

        // The session is over: even the fresh nonce it handed out opens nothing more.
        var closed = await SubmitAsync(sessionId, demo.ClientId, accepted.GetProperty("nonce").GetString()!, "greeting", new { name = "Bo" });
        await AssertProblemAsync(closed, HttpStatusCode.Conflict, "SESSION_CLOSED");
    }

    [Fact]
    public async Task Replayed_forged_and_other_session_nonces_are_refused_with_their_codes()
    {
        var demo = await DemoAsync();
        var first = await OpenSessionAsync(demo.ClientId, demo.AppKey);
        var other = await OpenSessionAsync(demo.ClientId, demo.AppKey);
        var sessionId = first.GetProperty("session_id").GetString()!;
        var nonce = first.GetProperty("nonce").GetString()!;

        var forgedBytes = Base64Url.DecodeFromChars(nonce);
        forgedBytes[^5] ^= 0x01;
        await AssertProblemAsync(await SubmitAsync(sessionId, demo.ClientId, Base64Url.EncodeToString(forgedBytes), "greeting", new { name = "Ana" }), HttpStatusCode.Unauthorized, "NONCE_INVALID");
        await AssertProblemAsync(await SubmitAsync(sessionId, demo.ClientId, other.GetProperty("nonce").GetString()!, "greeting", new { name = "Ana" }), HttpStatusCode.Unauthorized, "NONCE_INVALID");
        await AssertProblemAsync(await SubmitAsync(sessionId, demo.ClientId, nonce, "greeting", new { name = 42 }), (HttpStatusCode)422, "VALIDATION_FAILED");
        await AssertProblemAsync(await SubmitAsync(sessionId, demo.ClientId, nonce, "farewell", new { name = "Ana" }), (HttpStatusCode)422, "UNKNOWN_STEP");

        Assert.Equal(HttpStatusCode.Accepted, (await SubmitAsync(sessionId, demo.ClientId, nonce, "greeting", new { name = "Ana" })).StatusCode);
        await AssertProblemAsync(await SubmitAsync(sessionId, demo.ClientId, nonce, "greeting", new { name = "Ana" }), HttpStatusCode.Conflict, "NONCE_ALREADY_USED");
    }

    [Fact]
    public async Task Wrong_app_keys_app_keys_as_tokens_and_other_tenants_tokens_read_nothing()
    {
        var demo = await DemoAsync();
        var created = await OpenSessionAsync(demo.ClientId, demo.AppKey);
        var sessionId = created.GetProperty("session_id").GetString()!;

        var wrongKey = await PostAsync("/sessions", JsonSerializer.Serialize(new { client_id = demo.ClientId, client_app_key = demo.AppKey + "x", skill = Skill }));
        await AssertProblemAsync(wrongKey, HttpStatusCode.Unauthorized, null);

        await AssertProblemAsync(await system.Gateway.GetAsync($"/sessions/{sessionId}", Cancel), HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/sessions/{sessionId}"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", demo.AppKey);
            await AssertProblemAsync(await system.Gateway.SendAsync(request, Cancel), HttpStatusCode.Unauthorized, null);
        }

        var other = await OtherTenantAsync();
        using var otherServer = await ServerClientAsync(other.ClientId, other.Secret);
        // SessionService learns of the new tenant from TenantUpserted: until then its token is refused (401), after it
        // the other tenant's session is simply not found (404).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        HttpResponseMessage othersRead;
        while ((othersRead = await otherServer.GetAsync($"/sessions/{sessionId}", Cancel)).StatusCode == HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, Cancel);
        }

        await AssertProblemAsync(othersRead, HttpStatusCode.NotFound, "SESSION_NOT_FOUND");
        var othersNonce = await SubmitAsync(sessionId, other.ClientId, created.GetProperty("nonce").GetString()!, "greeting", new { name = "Eve" });
        await AssertProblemAsync(othersNonce, HttpStatusCode.NotFound, "^SESSION_NOT_FOUND$");
    }

    private async Task<JsonElement> OpenSessionAsync(string clientId, string appKey) =>
        (await new SessionClient(system.Gateway, clientId, appKey).OpenAsync(Skill, Cancel)).Opened;

    /// <summary>A bus connected as the example connector (its own broker user), publishing as it.</summary>
    private async Task<MassTransit.IBusControl> BusAsync()
    {
        var messaging = (AppHost.Hosting.RabbitMqResource)system.Host["messaging"];
        var broker = messaging.ConnectionStringFor(messaging.ConnectorUsers.Single(u => u.Name == "example-connector"), system.Host.Options.StateDirectory)!;
        var address = BrokerAddress.Parse(broker);
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(address);
            BrokerSender.Stamp(rabbit, address.Username);
        });
        await bus.StartAsync(Cancel);
        return bus;
    }

    private Task<HttpResponseMessage> SubmitAsync(string sessionId, string clientId, string nonce, string step, object data) =>
        PostAsync($"/sessions/{sessionId}/steps", JsonSerializer.Serialize(new { client_id = clientId, nonce, skill = Skill, step, data }));

    private async Task<HttpResponseMessage> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await system.Gateway.PostAsync(path, content, Cancel);
    }

    private async Task<(string ClientId, string AppKey, string Secret)> DemoAsync()
    {
        var demo = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(Path.Combine(system.Host.Options.StateDirectory, SandboxDemo.FileName), Cancel));
        Assert.Contains(Skill, demo.GetProperty("skills").EnumerateArray().Select(s => s.GetString()));
        return (demo.GetProperty("client_id").GetString()!, demo.GetProperty("client_app_key").GetString()!, demo.GetProperty("client_secret").GetString()!);
    }

    private async Task<(string ClientId, string Secret)> OtherTenantAsync()
    {
        var email = $"other-{Guid.NewGuid():N}@example.com";
        var signUp = await (await system.Gateway.PostAsJsonAsync("/servicers", new { name = "Other", kind = "fintech", email, password = "another long password" }, Cancel)).Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var login = await (await system.Gateway.PostAsJsonAsync("/auth/token", new { email, password = "another long password" }, Cancel)).Content.ReadFromJsonAsync<JsonElement>(Cancel);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/servicers/{signUp.GetProperty("servicer_id").GetString()}/tenants")
        {
            Content = JsonContent.Create(new { name = "Other app", environment = "sandbox", skills = new[] { Skill } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("access_token").GetString());
        var tenant = await (await system.Gateway.SendAsync(request, Cancel)).Content.ReadFromJsonAsync<JsonElement>(Cancel);
        return (tenant.GetProperty("client_id").GetString()!, tenant.GetProperty("client_secret").GetString()!);
    }

    private async Task<HttpClient> ServerClientAsync(string clientId, string secret)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret });
        var token = await (await system.Gateway.PostAsync("/oauth/token", form, Cancel)).Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var client = ContractChecked.Client(system.Gateway.BaseAddress!);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
        return client;
    }

    /// <summary>A problem document with <paramref name="status"/> and, when given, <paramref name="code"/> (else any code).</summary>
    private async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? code)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Matches(code is null ? "^[A-Z_]+$" : $"^{code.Trim('^', '$')}$", problem.GetProperty("code").GetString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
