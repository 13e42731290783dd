using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Finqware.Portal.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Finqware.Portal.Pages.Apps;

/// <summary>
/// The servicer's apps (tenants, <c>GET /servicers/{id}/tenants</c>) and a new one (<c>POST /servicers/{id}/tenants</c>):
/// its environment, its skills picked from the live catalog with their status, a webhook URL. The keys are shown once,
/// on the answer to the creation, and nowhere else. A sandbox app gets the portal's sandbox return address among its
/// redirect URIs, so the sandbox wizard can send the user to the bank's SCA page and back.
/// </summary>
public sealed class IndexModel(GatewayApi api, IOptions<PortalOptions> options) : PortalPage(api)
{
    public IReadOnlyList<JsonElement> Tenants { get; private set; } = [];

    public IReadOnlyList<JsonElement> Skills { get; private set; } = [];

    /// <summary>The created app with its three secrets, shown once.</summary>
    public JsonElement? Created { get; private set; }

    [BindProperty]
    public NewApp Input { get; set; } = new();

    public string SandboxReturnUrl => SandboxReturn.Url(options.Value);

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ? Page() : SignedOut();

    public async Task<IActionResult> OnPostAsync()
    {
        if (ModelState.IsValid)
        {
            var sandbox = Input.Environment == "sandbox";
            var answer = await CallAsync(HttpMethod.Post, $"/servicers/{ServicerId}/tenants", new
            {
                name = Input.Name,
                environment = Input.Environment,
                skills = Input.Skills,
                webhook_url = string.IsNullOrWhiteSpace(Input.WebhookUrl) ? null : Input.WebhookUrl.Trim(),
                redirect_uris = sandbox ? new[] { SandboxReturnUrl } : [],
            });
            if (answer.Status == StatusCodes.Status401Unauthorized)
            {
                return SignedOut();
            }

            if (answer.Problem is { } problem)
            {
                Show(problem, Fields);
            }
            else
            {
                Created = answer.Body;
                Input = new NewApp();
                ModelState.Clear();
            }
        }

        return await LoadAsync() ? Page() : SignedOut();
    }

    private async Task<bool> LoadAsync()
    {
        if (await AppsAsync() is not { } tenants)
        {
            return false;
        }

        Tenants = tenants;
        var skills = await Api.GetAsync("/skills", null, HttpContext.RequestAborted);
        Skills = [.. skills.Body.Items("skills").OrderBy(s => s.Str("flavor")).ThenBy(s => s.Str("skill_id"), StringComparer.Ordinal)];
        return true;
    }

    private static readonly Dictionary<string, string> Fields = new()
    {
        ["name"] = "Input.Name",
        ["environment"] = "Input.Environment",
        ["skills"] = "Input.Skills",
        ["webhook_url"] = "Input.WebhookUrl",
    };

    public sealed class NewApp
    {
        [Required(ErrorMessage = "App name: required.")]
        public string? Name { get; set; }

        [Required(ErrorMessage = "Environment: required.")]
        public string Environment { get; set; } = "sandbox";

        public List<string> Skills { get; set; } = [];

        public string? WebhookUrl { get; set; }
    }
}
