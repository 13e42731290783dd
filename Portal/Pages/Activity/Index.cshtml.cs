using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Finqware.Portal.Api;
using Finqware.Portal.Sandbox;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.Portal.Pages.Activity;

/// <summary>
/// An app's activity log (<c>GET /activity</c>): its API requests of the last 14 days. The route takes the app's API
/// token, not a portal token, so the page asks for the app's client secret (kept for this one request only), or uses the
/// sandbox wizard's token when the wizard runs a session of that app.
/// </summary>
public sealed class IndexModel(GatewayApi api, IDataProtectionProvider protection) : PortalPage(api)
{
    public IReadOnlyList<JsonElement> Apps { get; private set; } = [];

    public IReadOnlyList<JsonElement> Requests { get; private set; } = [];

    public string? ShownClientId { get; private set; }

    [BindProperty]
    public AppSecret Input { get; set; } = new();

    public async Task<IActionResult> OnGetAsync()
    {
        if (WizardState.Read(HttpContext, protection) is { } wizard)
        {
            await ShowAsync(wizard.ClientId, wizard.ApiToken);
        }

        return await LoadAsync();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (ModelState.IsValid && await AppTokenAsync(Input.ClientId!, Input.Secret!, "Input.Secret") is { } token)
        {
            await ShowAsync(Input.ClientId!, token);
        }

        return await LoadAsync();
    }

    private async Task ShowAsync(string clientId, string apiToken)
    {
        var activity = await Api.GetAsync("/activity?limit=100", apiToken, HttpContext.RequestAborted);
        Problem ??= activity.Problem;
        Requests = [.. activity.Body.Items("requests")];
        ShownClientId = activity.IsSuccess ? clientId : null;
    }

    private async Task<IActionResult> LoadAsync()
    {
        if (await AppsAsync() is not { } apps)
        {
            return SignedOut();
        }

        Apps = apps;
        return Page();
    }

    public sealed class AppSecret
    {
        [Required(ErrorMessage = "App: required.")]
        public string? ClientId { get; set; }

        [Required(ErrorMessage = "Client secret: required.")]
        public string? Secret { get; set; }
    }
}
