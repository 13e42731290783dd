using System.Text.Json;
using Finqware.Portal.Api;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.Portal.Pages.Apps;

/// <summary>
/// One app: its keys' metadata, its settings (<c>PATCH /tenants/{client_id}</c>: webhook URL, allowed origins, redirect
/// URIs), its skills (<c>PUT …/skills</c>), and rotating (with a grace period) or revoking a key, whose new value is
/// shown once. Every form is sent whatever the user's role: TenantService decides, and its refusal is shown.
/// </summary>
public sealed class DetailsModel(GatewayApi api) : PortalPage(api)
{
    public static readonly (string Key, string Label)[] Keys = [("app_key", "Client app key"), ("secret", "Client secret"), ("webhook_secret", "Webhook secret")];

    [BindProperty(SupportsGet = true)]
    public string ClientId { get; set; } = "";

    public JsonElement Tenant { get; private set; }

    public IReadOnlyList<JsonElement> Catalog { get; private set; } = [];

    /// <summary>A new key value from a rotation or revocation, shown once.</summary>
    public JsonElement? NewKey { get; private set; }

    public string? Saved { get; private set; }

    [BindProperty]
    public SettingsInput Settings { get; set; } = new();

    [BindProperty]
    public List<string> Skills { get; set; } = [];

    [BindProperty]
    public KeyInput KeyChange { get; set; } = new();

    public async Task<IActionResult> OnGetAsync() => await LoadAsync(fill: true);

    public async Task<IActionResult> OnPostSettingsAsync()
    {
        var answer = await CallAsync(HttpMethod.Patch, Path, new
        {
            webhook_url = string.IsNullOrWhiteSpace(Settings.WebhookUrl) ? null : Settings.WebhookUrl.Trim(),
            allowed_origins = Lines(Settings.AllowedOrigins),
            redirect_uris = Lines(Settings.RedirectUris),
        });
        return await AfterAsync(answer, "Settings saved.", SettingsFields);
    }

    public async Task<IActionResult> OnPostSkillsAsync()
    {
        var answer = await CallAsync(HttpMethod.Put, Path + "/skills", new { skills = Skills });
        return await AfterAsync(answer, "Skills saved.", new Dictionary<string, string> { ["skills"] = nameof(Skills) });
    }

    public async Task<IActionResult> OnPostRotateAsync()
    {
        var answer = await CallAsync(HttpMethod.Post, Path + "/keys/rotate", new { key = KeyChange.Key, grace_period_seconds = KeyChange.GracePeriodSeconds });
        NewKey = answer.IsSuccess ? answer.Body : null;
        return await AfterAsync(answer, null, KeyFields);
    }

    public async Task<IActionResult> OnPostRevokeAsync()
    {
        var answer = await CallAsync(HttpMethod.Post, Path + "/keys/revoke", new { key = KeyChange.Key });
        NewKey = answer.IsSuccess ? answer.Body : null;
        return await AfterAsync(answer, null, KeyFields);
    }

    private string Path => "/tenants/" + Uri.EscapeDataString(ClientId);

    private async Task<IActionResult> AfterAsync(ApiAnswer answer, string? saved, IReadOnlyDictionary<string, string> fields)
    {
        if (answer.Status == StatusCodes.Status401Unauthorized)
        {
            return SignedOut();
        }

        if (answer.Problem is { } problem)
        {
            Show(problem, fields);
            return await LoadAsync(fill: false);
        }

        Saved = saved;
        ModelState.Clear();
        return await LoadAsync(fill: true);
    }

    private async Task<IActionResult> LoadAsync(bool fill)
    {
        var tenant = await GetAsync(Path);
        if (tenant.Status == StatusCodes.Status401Unauthorized)
        {
            return SignedOut();
        }

        if (tenant.Problem is { } problem)
        {
            Problem ??= problem;
            return Page();
        }

        Tenant = tenant.Body;
        if (fill)
        {
            Settings = new SettingsInput
            {
                WebhookUrl = Tenant.Str("webhook_url"),
                AllowedOrigins = string.Join('\n', Tenant.Items("allowed_origins").Select(o => o.GetString())),
                RedirectUris = string.Join('\n', Tenant.Items("redirect_uris").Select(o => o.GetString())),
            };
            Skills = [.. Tenant.Items("skills").Select(s => s.GetString()!)];
        }

        var skills = await Api.GetAsync("/skills", null, HttpContext.RequestAborted);
        Catalog = [.. skills.Body.Items("skills").OrderBy(s => s.Str("flavor")).ThenBy(s => s.Str("skill_id"), StringComparer.Ordinal)];
        return Page();
    }

    private static string[] Lines(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static readonly Dictionary<string, string> SettingsFields = new()
    {
        ["webhook_url"] = "Settings.WebhookUrl",
        ["allowed_origins"] = "Settings.AllowedOrigins",
        ["redirect_uris"] = "Settings.RedirectUris",
    };

    private static readonly Dictionary<string, string> KeyFields = new()
    {
        ["key"] = "KeyChange.Key",
        ["grace_period_seconds"] = "KeyChange.GracePeriodSeconds",
    };

    public sealed class SettingsInput
    {
        public string? WebhookUrl { get; set; }

        public string? AllowedOrigins { get; set; }

        public string? RedirectUris { get; set; }
    }

    public sealed class KeyInput
    {
        public string Key { get; set; } = "secret";

        public int? GracePeriodSeconds { get; set; }
    }
}
