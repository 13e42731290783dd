using System.ComponentModel.DataAnnotations;
using Finqware.Portal.Api;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.Portal.Pages.Account;

/// <summary>
/// <c>POST /auth/token</c>: a wrong password, a locked account (<c>423 ACCOUNT_LOCKED</c>, with when to try again) and the
/// limit per address (<c>429</c>) are shown as TenantService words them.
/// </summary>
public sealed class LoginModel(GatewayApi api) : PortalPage(api)
{
    [BindProperty]
    public Credentials Input { get; set; } = new();

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var answer = await Api.SendAsync(HttpMethod.Post, "/auth/token", new { email = Input.Email, password = Input.Password }, null, HttpContext.RequestAborted);
        if (answer.Problem is { } problem)
        {
            Show(problem, Fields);
            return Page();
        }

        await SignInAsync(Input.Email!, answer.Body);
        return ReturnUrl is { } url && Url.IsLocalUrl(url) && url.StartsWith(Request.PathBase + "/", StringComparison.Ordinal)
            ? LocalRedirect(url)
            : RedirectToPage("/Apps/Index");
    }

    public static readonly IReadOnlyDictionary<string, string> Fields = new Dictionary<string, string>
    {
        ["email"] = "Input.Email",
        ["password"] = "Input.Password",
    };

    public sealed class Credentials
    {
        [Required(ErrorMessage = "Email: required.")]
        [Display(Name = "Email")]
        public string? Email { get; set; }

        [Required(ErrorMessage = "Password: required.")]
        [Display(Name = "Password")]
        public string? Password { get; set; }
    }
}
