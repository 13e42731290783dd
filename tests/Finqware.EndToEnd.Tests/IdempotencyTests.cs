using Finqware.AppHost;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// Idempotency-Key through the gateway (docs/api-conventions.md): a client whose answer was lost sends the same request
/// again and gets the same session, the same next nonce, the same new tenant's secrets, instead of the work done twice or a
/// session it cannot go on with.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class IdempotencyTests(SystemFixture system)
{
    private const string Skill = "example_echo_sbx_#1.0";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_retried_session_open_and_step_submit_get_the_first_answers_so_the_client_carries_on_with_the_same_nonce()
    {
        var demo = JsonSerializer.Deserialize<JsonElement>(await File.ReadAllTextAsync(Path.Combine(system.Host.Options.StateDirectory, SandboxDemo.FileName), Cancel));
        var clientId = demo.GetProperty("client_id").GetString()!;
        var open = JsonSerializer.Serialize(new { client_id = clientId, client_app_key = demo.GetProperty("client_app_key").GetString(), skill = Skill });
        var openKey = Guid.NewGuid().ToString();

        var opened = await PostAsync("/sessions", open, openKey);
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var reopened = await PostAsync("/sessions", open, openKey);
        Assert.Equal(HttpStatusCode.Created, reopened.StatusCode);
        Assert.Equal("true", reopened.Headers.GetValues("Idempotent-Replayed").Single());
        var session = await opened.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(session.GetRawText(), (await reopened.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetRawText());
        Assert.Equal(opened.Headers.Location, reopened.Headers.Location);

        var sessionId = session.GetProperty("session_id").GetString()!;
        var submit = JsonSerializer.Serialize(new { client_id = clientId, nonce = session.GetProperty("nonce").GetString(), skill = Skill, step = "greeting", data = new { name = "Ida" } });
        var submitKey = Guid.NewGuid().ToString();
        var accepted = await PostAsync($"/sessions/{sessionId}/steps", submit, submitKey);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        // The 202 was lost: the client sends the same submit again, with the same key, and gets the same step and next nonce.
        var replayed = await PostAsync($"/sessions/{sessionId}/steps", submit, submitKey);
        Assert.Equal(HttpStatusCode.Accepted, replayed.StatusCode);
        Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        var first = await accepted.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var again = await replayed.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(first.GetProperty("step_id").GetString(), again.GetProperty("step_id").GetString());
        Assert.Equal(first.GetProperty("nonce").GetString(), again.GetProperty("nonce").GetString());

        // Without the key, the same submit is refused (its nonce is spent): the key is what makes the retry safe.
        await Problems.AssertAsync(await PostAsync($"/sessions/{sessionId}/steps", submit, null), HttpStatusCode.Conflict, "NONCE_ALREADY_USED", Cancel);
        // The same key with another body is refused, whatever the body says.
        var other = submit.Replace("Ida", "Eve", StringComparison.Ordinal);
        await Problems.AssertAsync(await PostAsync($"/sessions/{sessionId}/steps", other, submitKey), HttpStatusCode.UnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", Cancel);
    }

    [Fact]
    public async Task A_retried_tenant_registration_returns_the_same_tenant_and_secrets_once_shown()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel);
        var key = Guid.NewGuid().ToString();
        async Task<HttpResponseMessage> RegisterAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/servicers/{tenant.ServicerId}/tenants")
            {
                Content = JsonContent.Create(new { name = "Retried app", environment = "sandbox", skills = Array.Empty<string>() }),
            };
            request.Headers.Authorization = tenant.Portal;
            request.Headers.Add("Idempotency-Key", key);
            return await system.Gateway.SendAsync(request, Cancel);
        }

        var first = await RegisterAsync();
        var second = await RegisterAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("false", first.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        var created = await first.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var replayed = await second.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(created.GetProperty("client_id").GetString(), replayed.GetProperty("client_id").GetString());
        Assert.Equal(created.GetProperty("client_secret").GetString(), replayed.GetProperty("client_secret").GetString());

        using var list = new HttpRequestMessage(HttpMethod.Get, $"/servicers/{tenant.ServicerId}/tenants");
        list.Headers.Authorization = tenant.Portal;
        var tenants = await (await system.Gateway.SendAsync(list, Cancel)).Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Single(tenants.EnumerateArray(), t => t.GetProperty("name").GetString() == "Retried app");
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await system.Gateway.SendAsync(request, Cancel);
    }
}
