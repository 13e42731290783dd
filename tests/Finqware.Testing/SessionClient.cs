using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Finqware.Testing;

/// <summary>
/// A tenant driving sessions over HTTP as the seed's guide shows, through the gateway or a service's test server alike:
/// the client app (<see cref="ClientId"/> and its app key) opens a session, submits its steps with the session's
/// current nonce and uploads files; the tenant's server (its API token) reads steps and sessions. The one way the
/// tests drive a session.
/// </summary>
public sealed class SessionClient(HttpClient http, string clientId, string appKey, string? serverToken = null)
{
    /// <summary>What both sides call with: the client app sends no credentials of its own (the app key and the nonce are in the bodies), the server adds its token to each request.</summary>
    public HttpClient Http { get; } = http;

    public string ClientId { get; } = clientId;

    public string AppKey { get; } = appKey;

    /// <summary>How long <see cref="OpenAsync"/> waits for SessionService to learn the tenant and the skill.</summary>
    public TimeSpan OpenWithin { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>POST /sessions with the seed's body, answered as it is.</summary>
    public Task<HttpResponseMessage> OpenResponseAsync(string skill, CancellationToken cancellationToken = default) =>
        Http.PostAsJsonAsync("/sessions", new { client_id = ClientId, client_app_key = AppKey, skill }, cancellationToken);

    /// <summary>GET <paramref name="path"/> as the tenant's server (its API token).</summary>
    public async Task<HttpResponseMessage> ServerGetAsync(string path, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", serverToken ?? throw new InvalidOperationException("This session client has no API token to read with."));
        return await Http.SendAsync(request, cancellationToken);
    }

    /// <summary>GET <paramref name="path"/> as the tenant's server; it must answer 2xx.</summary>
    public async Task<JsonElement> ServerReadAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await ServerGetAsync(path, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonSerializer.Deserialize<JsonElement>(body)
            : throw new HttpRequestException($"GET {path} answered {(int)response.StatusCode}: {body}");
    }

    /// <summary>
    /// Opens a session of <paramref name="skill"/>, asking again until <see cref="OpenWithin"/> while it is refused:
    /// SessionService learns the tenant (TenantUpserted), the skill (SkillRegistered) and the connector (its first
    /// heartbeat) from events, moments after they appeared. A test of the refusals reads <see cref="OpenResponseAsync"/>.
    /// </summary>
    public async Task<DrivenSession> OpenAsync(string skill, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + OpenWithin;
        while (true)
        {
            using var response = await OpenResponseAsync(skill, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return new DrivenSession(this, skill, JsonSerializer.Deserialize<JsonElement>(body));
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new HttpRequestException($"POST /sessions ({skill}) answered {(int)response.StatusCode}: {body}");
            }

            await Task.Delay(250, cancellationToken);
        }
    }
}

/// <summary>One open session: its id, its skill, its current nonce (each accepted step hands out the next one).</summary>
public sealed class DrivenSession
{
    private static readonly string[] Settled = ["COMPLETED", "FAILED", "ACTION_REQUIRED"];
    private readonly SessionClient client;

    internal DrivenSession(SessionClient client, string skill, JsonElement opened)
    {
        this.client = client;
        Skill = skill;
        Opened = opened;
        Id = opened.GetProperty("session_id").GetGuid();
        Nonce = opened.GetProperty("nonce").GetString()!;
    }

    public Guid Id { get; }

    public string Skill { get; }

    /// <summary>The answer of POST /sessions.</summary>
    public JsonElement Opened { get; }

    /// <summary>The nonce the next step or upload carries; <see cref="SubmitAsync"/> moves it on.</summary>
    public string Nonce { get; set; }

    /// <summary>POST /sessions/{id}/steps with the seed's body and the current nonce, answered as it is.</summary>
    public Task<HttpResponseMessage> PostStepAsync(string step, object data, CancellationToken cancellationToken = default) =>
        PostStepJsonAsync(JsonSerializer.Serialize(new { client_id = client.ClientId, nonce = Nonce, skill = Skill, step, data }), cancellationToken);

    /// <summary>POST /sessions/{id}/steps with <paramref name="json"/> as the body, verbatim.</summary>
    public async Task<HttpResponseMessage> PostStepJsonAsync(string json, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await client.Http.PostAsync($"/sessions/{Id}/steps", content, cancellationToken);
    }

    /// <summary>Submits a step (it must be accepted: 202) and moves the nonce on.</summary>
    public async Task<SubmittedStep> SubmitAsync(string step, object data, CancellationToken cancellationToken = default)
    {
        using var response = await PostStepAsync(step, data, cancellationToken);
        return await AcceptedAsync(response, cancellationToken);
    }

    /// <summary>The 202 of a step submission, read; the nonce moves on to the one it hands out.</summary>
    public async Task<SubmittedStep> AcceptedAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new HttpRequestException($"POST /sessions/{Id}/steps: expected 202, got {(int)response.StatusCode}: {body}");
        }

        var accepted = JsonSerializer.Deserialize<JsonElement>(body);
        Nonce = accepted.GetProperty("nonce").GetString()!;
        var missing = accepted.TryGetProperty("missing_uploads", out var m) && m.ValueKind == JsonValueKind.Array
            ? m.EnumerateArray().Select(x => x.GetString()!).ToList()
            : [];
        return new SubmittedStep(accepted.GetProperty("step_id").GetGuid(), accepted.GetProperty("status").GetString()!, missing, accepted);
    }

    /// <summary>POST /steps/{stepId}/upload (multipart: client_id, the current nonce, kind, file), answered as it is.</summary>
    public async Task<HttpResponseMessage> UploadAsync(Guid stepId, string kind, byte[] content, string fileName = "doc.bin", CancellationToken cancellationToken = default)
    {
        using var form = UploadForm(client.ClientId, Nonce, kind, content, fileName);
        return await client.Http.PostAsync($"/steps/{stepId}/upload", form, cancellationToken);
    }

    /// <summary>The upload's multipart form: <c>client_id</c>, <c>nonce</c>, <c>kind</c>, <c>file</c>.</summary>
    public static MultipartFormDataContent UploadForm(string clientId, string nonce, string kind, byte[] content, string fileName) => new()
    {
        { new StringContent(clientId), "client_id" },
        { new StringContent(nonce), "nonce" },
        { new StringContent(kind), "kind" },
        { new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } }, "file", fileName },
    };

    /// <summary>
    /// Reads the step with the server's token (long-polling <c>?wait=</c>) until its status is one of
    /// <paramref name="statuses"/> (none named: COMPLETED, FAILED or ACTION_REQUIRED); fails after 60 s.
    /// </summary>
    public Task<JsonElement> WaitStepAsync(Guid stepId, params string[] statuses) => WaitStepAsync(stepId, TimeSpan.FromSeconds(60), default, statuses);

    /// <inheritdoc cref="WaitStepAsync(Guid, string[])"/>
    public async Task<JsonElement> WaitStepAsync(Guid stepId, TimeSpan within, CancellationToken cancellationToken, params string[] statuses)
    {
        statuses = statuses.Length == 0 ? Settled : statuses;
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            using var response = await client.ServerGetAsync($"/sessions/{Id}/steps/{stepId}?wait=5", cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var step = response.IsSuccessStatusCode ? JsonSerializer.Deserialize<JsonElement>(body) : default;
            if (response.IsSuccessStatusCode && statuses.Contains(step.GetProperty("status").GetString()))
            {
                return step;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"step {stepId} is still {(int)response.StatusCode} {body}, expected {string.Join(" or ", statuses)}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Submits a step and waits until it is COMPLETED, FAILED or ACTION_REQUIRED.</summary>
    public async Task<JsonElement> RunAsync(string step, object data, CancellationToken cancellationToken = default) =>
        await WaitStepAsync((await SubmitAsync(step, data, cancellationToken)).StepId, TimeSpan.FromSeconds(60), cancellationToken);

    /// <summary>Submits a step and waits until it is COMPLETED (it fails otherwise); the step as read.</summary>
    public async Task<JsonElement> CompleteAsync(string step, object data, CancellationToken cancellationToken = default)
    {
        var done = await RunAsync(step, data, cancellationToken);
        return done.GetProperty("status").GetString() == "COMPLETED"
            ? done
            : throw new HttpRequestException($"{Skill} {step} did not complete: {done}");
    }

    /// <summary>GET /sessions/{id} with the server's token.</summary>
    public Task<JsonElement> ReadAsync(CancellationToken cancellationToken = default) => client.ServerReadAsync($"/sessions/{Id}", cancellationToken);

    /// <summary>The session's status, as the server reads it.</summary>
    public async Task<string> StatusAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync(cancellationToken)).GetProperty("status").GetString()!;
}

/// <summary>A step's 202: its id, its status, the uploads it still waits for, the whole answer.</summary>
public sealed record SubmittedStep(Guid StepId, string Status, IReadOnlyList<string> MissingUploads, JsonElement Body);
