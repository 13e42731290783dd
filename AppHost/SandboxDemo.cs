using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Finqware.AppHost.Hosting;

namespace Finqware.AppHost;

/// <summary>
/// A demo servicer with a sandbox tenant holding every available sandbox skill, created through the public API on
/// the first start and kept in sync at every start, its credentials saved in <c>.finqware/demo-tenant.json</c>
/// so that a newcomer can call the API at once.
/// </summary>
public static class SandboxDemo
{
    public const string FileName = "demo-tenant.json";

    /// <summary>The skill of the session line printed at start: the seed's term deposit.</summary>
    private const string DemoSkill = "xyz_sbx_#3.0";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public static async Task<string?> EnsureAsync(FinqwareHost host, CancellationToken cancellationToken)
    {
        if (host.GatewayUrl is null)
        {
            return null;
        }

        using var http = new HttpClient { BaseAddress = new Uri(host.GatewayUrl), Timeout = TimeSpan.FromSeconds(30) };
        var path = Path.Combine(host.Options.StateDirectory, FileName);
        var demo = File.Exists(path) ? JsonSerializer.Deserialize<DemoTenant>(await File.ReadAllTextAsync(path, cancellationToken), Json) : null;
        var skills = await SettledSandboxSkillsAsync(http, cancellationToken);

        string? portal = null;
        if (demo is not null)
        {
            portal = await LoginAsync(http, demo.Email, demo.Password, cancellationToken);
        }

        if (demo is null || portal is null)
        {
            demo = await SignUpAsync(http, cancellationToken);
            portal = await LoginAsync(http, demo.Email, demo.Password, cancellationToken)
                ?? throw new InvalidOperationException("The demo servicer was created but cannot log in.");
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", portal);
        var synced = demo.ClientId is not null
            && (await http.PutAsJsonAsync($"/tenants/{Uri.EscapeDataString(demo.ClientId)}/skills", new { skills }, Json, cancellationToken)).IsSuccessStatusCode;
        if (!synced)
        {
            using var created = await http.PostAsJsonAsync($"/servicers/{demo.ServicerId}/tenants",
                new { name = "Sandbox demo", environment = "sandbox", skills }, Json, cancellationToken);
            var tenant = await ReadAsync<CreatedTenant>(created, "create the demo tenant", cancellationToken);
            demo = demo with
            {
                ClientId = tenant.ClientId,
                ClientAppKey = tenant.ClientAppKey,
                ClientSecret = tenant.ClientSecret,
                WebhookSecret = tenant.WebhookSecret,
            };
        }

        demo = demo with { Skills = skills };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(demo, Json), cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var gateway = host.GatewayUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        var skillLine = skills.Count == 0 ? "none available yet" : string.Join(", ", skills);
        // The seed's deposit when it is there, else any sandbox skill: a session the reader can open right away.
        var sessionLine = skills.Count == 0 ? "" : $$"""

            Open an onboarding session (what a tenant's client app does):
              curl -s {{gateway}}/sessions -H 'Content-Type: application/json' -d '{"client_id":"{{demo.ClientId}}","client_app_key":"{{demo.ClientAppKey}}","skill":"{{(skills.Contains(DemoSkill) ? DemoSkill : skills[0])}}"}'
            """;
        return $"""
            Sandbox demo tenant (saved in {path}):
              client_id       {demo.ClientId}
              client_app_key  {demo.ClientAppKey}
              client_secret   {demo.ClientSecret}
              skills          {skillLine}
            Get an API token (what a tenant's server does):
              curl -s -u '{demo.ClientId}:{demo.ClientSecret}' -d grant_type=client_credentials {gateway}/oauth/token
            """ + sessionLine;
    }

    /// <summary>
    /// Connectors announce themselves as they start: wait (up to 5 s) until the list stops growing, and up to 30 s for
    /// the first skill (on a loaded machine the connectors' announcements reach the catalog well after they start).
    /// </summary>
    private static async Task<List<string>> SettledSandboxSkillsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var skills = await AvailableSandboxSkillsAsync(http, cancellationToken);
        var started = DateTime.UtcNow;
        var stableSince = DateTime.UtcNow;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(skills.Count == 0 ? 30 : 5)
            && (skills.Count == 0 || DateTime.UtcNow - stableSince < TimeSpan.FromSeconds(1.5)))
        {
            await Task.Delay(250, cancellationToken);
            var now = await AvailableSandboxSkillsAsync(http, cancellationToken);
            if (now.Count != skills.Count)
            {
                skills = now;
                stableSince = DateTime.UtcNow;
            }
        }

        return skills;
    }

    private static async Task<List<string>> AvailableSandboxSkillsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri("/skills?flavor=sandbox", UriKind.Relative), cancellationToken);
        var body = await ReadAsync<JsonElement>(response, "list the sandbox skills", cancellationToken);
        return body.GetProperty("skills").EnumerateArray()
            .Where(s => s.GetProperty("status").GetString() == "AVAILABLE")
            .Select(s => s.GetProperty("skill_id").GetString()!)
            .ToList();
    }

    private static async Task<DemoTenant> SignUpAsync(HttpClient http, CancellationToken cancellationToken)
    {
        // A fresh address each time: a demo whose saved password was lost cannot be recovered, so a new one is made.
        var email = $"demo-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}@finqware.local";
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        using var response = await http.PostAsJsonAsync("/servicers",
            new { name = "Finqware demo", kind = "fintech", email, password }, Json, cancellationToken);
        var created = await ReadAsync<JsonElement>(response, "sign up the demo servicer", cancellationToken);
        return new DemoTenant(email, password, created.GetProperty("servicer_id").GetGuid(), null, null, null, null, []);
    }

    private static async Task<string?> LoginAsync(HttpClient http, string email, string password, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/auth/token", new { email, password }, Json, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized)
        {
            return null;
        }

        return (await ReadAsync<JsonElement>(response, "log in as the demo servicer", cancellationToken)).GetProperty("access_token").GetString();
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Could not {what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return (await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken))!;
    }

    public sealed record DemoTenant(
        string Email,
        string Password,
        Guid ServicerId,
        string? ClientId,
        string? ClientAppKey,
        string? ClientSecret,
        string? WebhookSecret,
        IReadOnlyList<string> Skills);

    private sealed record CreatedTenant(
        [property: JsonPropertyName("client_id")] string ClientId,
        [property: JsonPropertyName("client_app_key")] string ClientAppKey,
        [property: JsonPropertyName("client_secret")] string ClientSecret,
        [property: JsonPropertyName("webhook_secret")] string WebhookSecret);
}
