using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Finqware.Bench;

/// <summary>
/// The system soak's load, through the gateway as tenants' apps and servers send it: each client, round after round,
/// onboards a user with the example connector's echo skill, then either gets an AISP consent from the sandbox bank
/// (embedded OTP) and reads the connection, its accounts, balances and transactions, or initiates a PISP payment and
/// reads it; every fourth round a credit card application at the sandbox marketplace (offer, personal data, identity
/// documents with three uploads and the offline verification, signature) and reads the application. Some steps fail
/// as the sandbox documents (a refused name, a wrong password, insufficient funds, a low income), and every round sends
/// requests that are refused with a 4xx. Anything that answers otherwise than expected is counted and noted, and the
/// client goes on with its next flow.
/// </summary>
internal sealed class SystemSoakTraffic
{
    public const string Echo = "example_echo_sbx_#1.0";
    public const string Aisp = "xyz_aisp_sbx_#1.0";
    public const string Pisp = "xyz_pisp_sbx_#1.0";
    public const string Card = "xyz_cc_sbx_#1.0";

    private static readonly string[] Skills = [Echo, Aisp, Pisp, Card];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01];
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52];
    private static readonly byte[] Pdf = "%PDF-1.4\n% the back of a sandbox identity card\n"u8.ToArray();

    private readonly HttpClient gateway;
    private readonly string clientId;
    private readonly string appKey;
    private readonly string secret;
    private readonly CancellationToken stop;
    private readonly ConcurrentDictionary<string, long> outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, long> statuses = new();
    private readonly ConcurrentDictionary<string, long> sessionsBySkill = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> notes = new();
    private string token;
    private long requests;
    private long steps;
    private long uploads;
    private long reads;
    private long readRetries;
    private long refused;
    private long unexpected;

    private SystemSoakTraffic(HttpClient gateway, string clientId, string appKey, string secret, string token, CancellationToken stop)
    {
        this.gateway = gateway;
        this.clientId = clientId;
        this.appKey = appKey;
        this.secret = secret;
        this.token = token;
        this.stop = stop;
    }

    public long Requests => Interlocked.Read(ref requests);

    public long Sessions => sessionsBySkill.Values.Sum();

    public long Steps => Interlocked.Read(ref steps);

    public long Uploads => Interlocked.Read(ref uploads);

    public long DataReads => Interlocked.Read(ref reads);

    /// <summary>Data reads answered 404 because what a step produced had not reached SessionService yet (read again).</summary>
    public long ReadRetries => Interlocked.Read(ref readRetries);

    /// <summary>Requests sent to be refused (bad credentials, unknown ids, data outside a schema) that got the expected 4xx.</summary>
    public long Refused => Interlocked.Read(ref refused);

    public long Unexpected => Interlocked.Read(ref unexpected);

    public IReadOnlyDictionary<string, long> SessionsBySkill => sessionsBySkill;

    /// <summary>Responses by HTTP status.</summary>
    public IReadOnlyDictionary<int, long> Statuses => statuses;

    /// <summary>Finished steps by <c>skill/step STATUS [code]</c>.</summary>
    public IReadOnlyDictionary<string, long> Outcomes => outcomes;

    /// <summary>The first unexpected answers, for the report.</summary>
    public IReadOnlyCollection<string> Notes => notes;

    /// <summary>
    /// A tenant of its own holding the skills the load uses (created through the public API once the catalog shows them
    /// available), its server token, and SessionService's replica of it waited for.
    /// </summary>
    public static async Task<SystemSoakTraffic> PrepareAsync(HttpClient gateway, CancellationToken stop)
    {
        foreach (var skill in Skills)
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                using var response = await gateway.GetAsync(new Uri("/skills/" + Uri.EscapeDataString(skill), UriKind.Relative), stop);
                if (response.IsSuccessStatusCode
                    && (await response.Content.ReadFromJsonAsync<JsonElement>(stop)).GetProperty("status").GetString() == "AVAILABLE")
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"{skill} did not become AVAILABLE within 90 s.");
                }

                await Task.Delay(250, stop);
            }
        }

        var email = $"soak-{Guid.NewGuid():N}@example.com";
        const string Password = "a long system soak password";
        using var signUp = await gateway.PostAsJsonAsync("/servicers", new { name = "System soak", kind = "fintech", email, password = Password }, stop);
        var servicer = await signUp.Content.ReadFromJsonAsync<JsonElement>(stop);
        using var logIn = await gateway.PostAsJsonAsync("/auth/token", new { email, password = Password }, stop);
        var portal = await logIn.Content.ReadFromJsonAsync<JsonElement>(stop);
        using var create = new HttpRequestMessage(HttpMethod.Post, new Uri($"/servicers/{servicer.GetProperty("servicer_id").GetString()}/tenants", UriKind.Relative))
        {
            Content = JsonContent.Create(new { name = "System soak app", environment = "sandbox", skills = Skills }),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", portal.GetProperty("access_token").GetString());
        using var created = await gateway.SendAsync(create, stop);
        var app = await created.Content.ReadFromJsonAsync<JsonElement>(stop);
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Could not create the soak's tenant: {(int)created.StatusCode} {app}");
        }

        var clientId = app.GetProperty("client_id").GetString()!;
        var appKey = app.GetProperty("client_app_key").GetString()!;
        var secret = app.GetProperty("client_secret").GetString()!;
        await BenchApi.OpenSessionAsync(gateway, clientId, appKey, Echo, waitForReplica: true, stop);
        return new SystemSoakTraffic(gateway, clientId, appKey, secret, await BenchApi.TokenAsync(gateway, clientId, secret, stop), stop);
    }

    /// <summary>Renews the server token every 10 minutes (tenant tokens live 15) until the soak stops.</summary>
    public async Task RenewTokenAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(10));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    Volatile.Write(ref token, await BenchApi.TokenAsync(gateway, clientId, secret, stop));
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException)
                {
                    Note("renewing the API token: " + ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>One client's rounds until the soak stops.</summary>
    public async Task RunClientAsync(int client)
    {
        for (var round = client; !stop.IsCancellationRequested; round++)
        {
            var flows = new List<Func<int, Task>> { EchoAsync, round % 2 == 0 ? ConsentAsync : PaymentAsync, RefusedAsync };
            if (round % 4 == 3)
            {
                flows.Add(CardApplicationAsync);
            }

            foreach (var flow in flows)
            {
                try
                {
                    await flow(round);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or KeyNotFoundException or TaskCanceledException)
                {
                    Note(ex.Message);
                }
            }
        }
    }

    private async Task EchoAsync(int round)
    {
        var session = await OpenAsync(Echo);
        if (round % 3 == 0)
        {
            // Outside the step's schema: 422 VALIDATION_FAILED, and the nonce stays usable.
            await CallAsync(HttpMethod.Post, $"/sessions/{session.Id}/steps", Step(session, "greeting", new { name = "" }), asServer: false, HttpStatusCode.UnprocessableEntity);
        }

        var refusedName = round % 5 == 4;
        await StepAsync(session, "greeting", new { name = refusedName ? "nobody" : "Ana" }, refusedName ? "FAILED" : "COMPLETED");
    }

    private async Task ConsentAsync(int round)
    {
        var session = await OpenAsync(Aisp);
        if (round % 6 == 4)
        {
            await StepAsync(session, "credentials", new { username = "user_good", password = "not the password" }, "FAILED");
            return;
        }

        await StepAsync(session, "credentials", new { username = "user_good", password = "pass_good" }, "COMPLETED");
        var result = (await StepAsync(session, "sca", new { otp = "123456" }, "COMPLETED")).GetProperty("result");
        var connection = result.GetProperty("connection_id").GetString();
        var accounts = result.GetProperty("accounts");
        var account = accounts[round % accounts.GetArrayLength()].GetProperty("account_id").GetString();
        await ReadAsync($"/connections/{connection}");
        await ReadAsync($"/accounts?connection_id={connection}");
        await ReadAsync($"/accounts/{account}/balances");
        await ReadAsync($"/accounts/{account}/transactions?limit=50");
    }

    private async Task PaymentAsync(int round)
    {
        var session = await OpenAsync(Pisp);
        var insufficient = round % 5 == 1;
        var form = await StepAsync(session, "payment_form", new
        {
            creditor_name = "Ana Popescu",
            creditor_iban = "DE89370400440532013000",
            amount = insufficient ? "666.66" : "25.00",
            currency = "EUR",
            remittance_information = string.Create(CultureInfo.InvariantCulture, $"soak round {round}"),
        }, "COMPLETED");
        await StepAsync(session, "credentials", new { username = "user_good", password = "pass_good" }, "COMPLETED");
        await StepAsync(session, "sca", new { otp = "123456" }, insufficient ? "FAILED" : "COMPLETED");
        await ReadAsync($"/payments/{form.GetProperty("result").GetProperty("payment_id").GetString()}");
    }

    private async Task CardApplicationAsync(int round)
    {
        var session = await OpenAsync(Card);
        var lowIncome = round % 3 == 0;
        var offer = await StepAsync(session, "card_form", new { requested_limit = 5000, monthly_income = lowIncome ? 900 : 3000, currency = "EUR", employment_status = "employed" }, lowIncome ? "FAILED" : "COMPLETED");
        if (lowIncome)
        {
            return;
        }

        await StepAsync(session, "personal_data", new
        {
            first_name = "Ana", last_name = "Popescu", date_of_birth = "1990-04-12", national_id = "2900412400011",
            email = "ana.popescu@example.com", phone = "+40712345678", address = "Strada Lipscani 10, Bucuresti", country = "RO",
        }, "COMPLETED");
        var (kyc, _) = await SubmitAsync(session, "kyc_documents", new { document_type = "id_card", document_number = "RX123456" });
        foreach (var (kind, bytes) in new[] { ("id_front", Jpeg), ("id_back", Pdf), ("selfie", Png) })
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent(clientId), "client_id" },
                { new StringContent(session.Nonce), "nonce" },
                { new StringContent(kind), "kind" },
            };
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(file, "file", kind);
            await CallAsync(HttpMethod.Post, $"/steps/{kyc}/upload", form, asServer: false, HttpStatusCode.Created);
            Interlocked.Increment(ref uploads);
        }

        await FinishedAsync(session, "kyc_documents", kyc, "COMPLETED");
        await StepAsync(session, "sign_agreement", new { accept_terms = true, name_on_card = "ANA POPESCU" }, "COMPLETED");
        await ReadAsync($"/applications/{offer.GetProperty("result").GetProperty("application_id").GetString()}");
    }

    /// <summary>Requests a tenant gets wrong, refused with a 4xx problem: two a round, in turn.</summary>
    private async Task RefusedAsync(int round)
    {
        for (var i = 0; i < 2; i++)
        {
            var (method, path, content, asServer, status) = (((round * 2) + i) % 6) switch
            {
                0 => (HttpMethod.Post, "/sessions", (HttpContent?)JsonContent.Create(new { client_id = clientId, client_app_key = "not-the-key", skill = Echo }), false, HttpStatusCode.Unauthorized),
                1 => (HttpMethod.Get, $"/sessions/{Guid.NewGuid()}", null, true, HttpStatusCode.NotFound),
                2 => (HttpMethod.Get, "/accounts/acc_nonexistent", null, true, HttpStatusCode.NotFound),
                3 => (HttpMethod.Get, "/connections", null, false, HttpStatusCode.Unauthorized),
                4 => (HttpMethod.Post, "/sessions", JsonContent.Create(new { client_id = clientId, client_app_key = appKey, skill = "no_such_skill_#1.0" }), false, HttpStatusCode.Forbidden),
                _ => (HttpMethod.Get, "/payments/pay_nonexistent", null, true, HttpStatusCode.NotFound),
            };
            await CallAsync(method, path, content, asServer, status);
        }
    }

    private async Task<Session> OpenAsync(string skill)
    {
        using var content = JsonContent.Create(new { client_id = clientId, client_app_key = appKey, skill });
        var opened = await CallAsync(HttpMethod.Post, "/sessions", content, asServer: false, HttpStatusCode.Created);
        sessionsBySkill.AddOrUpdate(skill, 1, (_, n) => n + 1);
        return new Session(skill, opened.GetProperty("session_id").GetString()!) { Nonce = opened.GetProperty("nonce").GetString()! };
    }

    /// <summary>Submits a step and waits until it finishes with <paramref name="expected"/>; returns the step (with its result).</summary>
    private async Task<JsonElement> StepAsync(Session session, string step, object data, string expected)
    {
        var (stepId, _) = await SubmitAsync(session, step, data);
        return await FinishedAsync(session, step, stepId, expected);
    }

    private async Task<(string StepId, string Status)> SubmitAsync(Session session, string step, object data)
    {
        var accepted = await CallAsync(HttpMethod.Post, $"/sessions/{session.Id}/steps", Step(session, step, data), asServer: false, HttpStatusCode.Accepted);
        session.Nonce = accepted.GetProperty("nonce").GetString()!;
        Interlocked.Increment(ref steps);
        return (accepted.GetProperty("step_id").GetString()!, accepted.GetProperty("status").GetString()!);
    }

    private JsonContent Step(Session session, string step, object data) =>
        JsonContent.Create(new { client_id = clientId, nonce = session.Nonce, skill = session.Skill, step, data });

    /// <summary>Long-polls the step (server token) until it is COMPLETED or FAILED; checks it is <paramref name="expected"/>.</summary>
    private async Task<JsonElement> FinishedAsync(Session session, string step, string stepId, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var read = await CallAsync(HttpMethod.Get, $"/sessions/{session.Id}/steps/{stepId}?wait=20", null, asServer: true, HttpStatusCode.OK);
            var status = read.GetProperty("status").GetString();
            if (status is "COMPLETED" or "FAILED")
            {
                var code = read.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object ? " " + error.GetProperty("code").GetString() : "";
                outcomes.AddOrUpdate($"{session.Skill}/{step} {status}{code}", 1, (_, n) => n + 1);
                return status == expected ? read : throw new InvalidOperationException($"{session.Skill}/{step} is {status}{code}, expected {expected}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{session.Skill}/{step} still {status} after 90 s");
            }

            if (status == "PENDING_VERIFICATION")
            {
                // The long-poll answers at once in this status: the marketplace decides after its verification delay.
                await Task.Delay(1000, stop);
            }
        }
    }

    /// <summary>A data read (server token); what a step produced reaches SessionService a moment after the step, so a 404 is retried for a while.</summary>
    private async Task ReadAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Volatile.Read(ref token));
            using var response = await SendAsync(request);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref reads);
                return;
            }

            if (response.StatusCode != HttpStatusCode.NotFound || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {Cut(await response.Content.ReadAsStringAsync(stop))}");
            }

            Interlocked.Increment(ref readRetries);
            await Task.Delay(250, stop);
        }
    }

    private async Task<JsonElement> CallAsync(HttpMethod method, string path, HttpContent? content, bool asServer, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        if (asServer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Volatile.Read(ref token));
        }

        using var response = await SendAsync(request);
        var body = await response.Content.ReadAsStringAsync(stop);
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode}, expected {(int)expected}: {Cut(body)}");
        }

        if ((int)expected >= 400)
        {
            Interlocked.Increment(ref refused);
        }

        return body.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(body);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        var response = await gateway.SendAsync(request, stop);
        Interlocked.Increment(ref requests);
        statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
        return response;
    }

    private void Note(string message)
    {
        Interlocked.Increment(ref unexpected);
        if (notes.Count < 20)
        {
            notes.Enqueue(message);
        }
    }

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private sealed class Session(string skill, string id)
    {
        public string Skill { get; } = skill;

        public string Id { get; } = id;

        public string Nonce { get; set; } = "";
    }
}
