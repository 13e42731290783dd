using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Finqware.Portal.Api;
using Finqware.Portal.Sandbox;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.Portal.Pages.Sandbox;

/// <summary>
/// The sandbox wizard's start: a sandbox app, a skill, and the app's keys (pasted: Finqware shows them once). It gets an
/// API token (<c>POST /oauth/token</c>) and opens a session (<c>POST /sessions</c>) as the app would, then runs it step by
/// step (<see cref="RunModel"/>).
/// </summary>
public sealed class IndexModel(GatewayApi api, IDataProtectionProvider protection) : PortalPage(api)
{
    public IReadOnlyList<JsonElement> Apps { get; private set; } = [];

    public IReadOnlyList<JsonElement> Skills { get; private set; } = [];

    [BindProperty]
    public Start Input { get; set; } = new();

    public async Task<IActionResult> OnGetAsync(string? clientId, string? skill)
    {
        Input.ClientId = clientId;
        Input.Skill = skill;
        return await LoadAsync();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return await LoadAsync();
        }

        if (await AppTokenAsync(Input.ClientId!, Input.Secret!, "Input.Secret") is not { } token)
        {
            return await LoadAsync();
        }

        var opened = await Api.SendAsync(HttpMethod.Post, "/sessions", new { client_id = Input.ClientId, client_app_key = Input.AppKey, skill = Input.Skill }, null, HttpContext.RequestAborted);
        if (opened.Problem is { } problem)
        {
            Show(problem, new Dictionary<string, string> { ["client_app_key"] = "Input.AppKey", ["client_id"] = "Input.ClientId", ["skill"] = "Input.Skill" });
            return await LoadAsync();
        }

        new WizardState(Input.ClientId!, Input.Skill!, opened.Body.Str("session_id")!, opened.Body.Str("nonce")!, token)
            .Write(HttpContext, protection);
        return RedirectToPage("/Sandbox/Run");
    }

    private async Task<IActionResult> LoadAsync()
    {
        if (await AppsAsync() is not { } apps)
        {
            return SignedOut();
        }

        Apps = [.. apps.Where(t => t.Str("environment") == "sandbox")];
        var skills = await Api.GetAsync("/skills?flavor=sandbox", null, HttpContext.RequestAborted);
        Skills = [.. skills.Body.Items("skills").OrderBy(s => s.Str("skill_id"), StringComparer.Ordinal)];
        return Page();
    }

    public sealed class Start
    {
        [Required(ErrorMessage = "Sandbox app: required.")]
        public string? ClientId { get; set; }

        [Required(ErrorMessage = "Skill: required.")]
        public string? Skill { get; set; }

        [Required(ErrorMessage = "Client app key: required.")]
        public string? AppKey { get; set; }

        [Required(ErrorMessage = "Client secret: required.")]
        public string? Secret { get; set; }
    }
}
