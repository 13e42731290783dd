using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Finqware.Bench;

/// <summary>
/// <c>--documents [READS]</c>: what a session's documents cost the requests that do not need them. Two credit card
/// sessions of the sandbox marketplace are taken to the same point (offer, personal data, identity documents), one with
/// three documents of 4.9 MB uploaded and verified, one still waiting for its uploads; then both are read READS times
/// in turn through the gateway as the tenant's server reads them (<c>GET /sessions/{id}</c> and <c>GET …/steps/{id}</c>).
/// The session without documents is the baseline. Documents are only needed by the connector's fetch of them.
/// </summary>
internal static class DocumentsBench
{
    private const string Skill = "xyz_cc_sbx_#1.0";
    private const int DocumentBytes = 4_900_000;
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0];
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static async Task RunAsync(int reads, string root)
    {
        await using var system = await BenchSystem.StartAsync(root, dashboard: false);
        var demo = await system.DemoTenantAsync();
        var (clientId, appKey) = (demo.GetProperty("client_id").GetString()!, demo.GetProperty("client_app_key").GetString()!);
        var token = await BenchApi.TokenAsync(system.Gateway, clientId, demo.GetProperty("client_secret").GetString()!);
        using var server = new HttpClient { BaseAddress = system.Gateway.BaseAddress };
        server.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await BenchApi.OpenSessionAsync(system.Gateway, clientId, appKey, Skill, waitForReplica: true);

        Console.WriteLine("taking two sessions to their identity documents…");
        var withDocuments = await ToDocumentsAsync(system.Gateway, server, clientId, appKey);
        var without = await ToDocumentsAsync(system.Gateway, server, clientId, appKey);
        var uploaded = Stopwatch.StartNew();
        foreach (var (kind, header) in new[] { ("id_front", Jpeg), ("id_back", "%PDF-1.4\n"u8.ToArray()), ("selfie", Png) })
        {
            var bytes = new byte[DocumentBytes];
            Random.Shared.NextBytes(bytes);
            header.CopyTo(bytes, 0);
            using var form = new MultipartFormDataContent
            {
                { new StringContent(clientId), "client_id" },
                { new StringContent(withDocuments.Nonce), "nonce" },
                { new StringContent(kind), "kind" },
                { new ByteArrayContent(bytes), "file", kind },
            };
            using var response = await system.Gateway.PostAsync($"/steps/{withDocuments.KycStep}/upload", form);
            Ensure(response.IsSuccessStatusCode, $"upload {kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        Console.WriteLine($"three documents of {DocumentBytes / 1e6:0.0} MB uploaded in {uploaded.ElapsedMilliseconds} ms; waiting for the offline verification…");
        while ((await server.GetFromJsonAsync<JsonElement>($"/sessions/{withDocuments.Id}/steps/{withDocuments.KycStep}?wait=20")).GetProperty("status").GetString() != "COMPLETED")
        {
            await Task.Delay(500);
        }

        var samples = new Dictionary<string, List<double>>();
        for (var i = 0; i < reads + 20; i++)
        {
            foreach (var (name, session) in new[] { ("with documents", withDocuments), ("without", without) })
            {
                foreach (var (what, path) in new[] { ("session", $"/sessions/{session.Id}"), ("step", $"/sessions/{session.Id}/steps/{session.KycStep}") })
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await server.GetAsync(path);
                    await response.Content.ReadAsByteArrayAsync();
                    Ensure(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
                    if (i >= 20)
                    {
                        (samples.TryGetValue($"{what} {name}", out var list) ? list : samples[$"{what} {name}"] = []).Add(watch.Elapsed.TotalMilliseconds);
                    }
                }
            }
        }

        var report = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture, $"""
            {BenchApi.Configuration()} build; {Environment.ProcessorCount} cores; {reads} reads of each, in turn, through the gateway, after 20 not counted

            | read | session with 3 × {DocumentBytes / 1e6:0.0} MB of documents, p50 / p99 | the same session without them, p50 / p99 |
            |---|---|---|

            """));
        foreach (var (what, label) in new[] { ("session", "`GET /sessions/{id}`"), ("step", "`GET /sessions/{id}/steps/{step_id}`") })
        {
            var (a, b) = (samples[$"{what} with documents"], samples[$"{what} without"]);
            report.AppendLine(CultureInfo.InvariantCulture, $"| {label} | {P(a, 50):0.00} / {P(a, 99):0.00} ms | {P(b, 50):0.00} / {P(b, 99):0.00} ms |");
        }

        Console.WriteLine();
        Console.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(root, "bench", "last-documents.md"), report.ToString());
    }

    /// <summary>Opens a card session and takes it to its identity documents step (offer and personal data done).</summary>
    private static async Task<Session> ToDocumentsAsync(HttpClient gateway, HttpClient server, string clientId, string appKey)
    {
        var opened = await BenchApi.OpenSessionAsync(gateway, clientId, appKey, Skill, waitForReplica: false);
        var session = new Session(opened.GetProperty("session_id").GetString()!) { Nonce = opened.GetProperty("nonce").GetString()! };
        await StepAsync("card_form", new { requested_limit = 5000, monthly_income = 3000, currency = "EUR", employment_status = "employed" }, "COMPLETED");
        await StepAsync("personal_data", new
        {
            first_name = "Ana", last_name = "Popescu", date_of_birth = "1990-04-12", national_id = "2900412400011",
            email = "ana.popescu@example.com", phone = "+40712345678", address = "Strada Lipscani 10, Bucuresti", country = "RO",
        }, "COMPLETED");
        session.KycStep = await StepAsync("kyc_documents", new { document_type = "id_card", document_number = "RX123456" }, "AWAITING_UPLOADS");
        return session;

        async Task<string> StepAsync(string step, object data, string until)
        {
            using var response = await gateway.PostAsJsonAsync($"/sessions/{session.Id}/steps", new { client_id = clientId, nonce = session.Nonce, skill = Skill, step, data });
            var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
            Ensure(response.IsSuccessStatusCode, $"{step}: {(int)response.StatusCode} {accepted}");
            session.Nonce = accepted.GetProperty("nonce").GetString()!;
            var stepId = accepted.GetProperty("step_id").GetString()!;
            while (accepted.GetProperty("status").GetString() != until)
            {
                accepted = await server.GetFromJsonAsync<JsonElement>($"/sessions/{session.Id}/steps/{stepId}?wait=20");
                Ensure(accepted.GetProperty("status").GetString() != "FAILED", $"{step} failed: {accepted}");
            }

            return stepId;
        }
    }

    private static void Ensure(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private static double P(List<double> samples, int percentile) => BenchApi.Percentile(samples, percentile);

    private sealed class Session(string id)
    {
        public string Id { get; } = id;

        public string Nonce { get; set; } = "";

        public string KycStep { get; set; } = "";
    }
}
