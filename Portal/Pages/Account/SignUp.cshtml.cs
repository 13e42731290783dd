using System.ComponentModel.DataAnnotations;
using Finqware.Portal.Api;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.Portal.Pages.Account;

/// <summary><c>POST /servicers</c> (the servicer and its first admin), then <c>POST /auth/token</c>: signed in at once.</summary>
public sealed class SignUpModel(GatewayApi api) : PortalPage(api)
{
    public static readonly string[] Kinds = ["fintech", "bank", "insurer"];

    [BindProperty]
    public SignUp Input { get; set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var created = await Api.SendAsync(
            HttpMethod.Post, "/servicers", new { name = Input.Name, kind = Input.Kind, email = Input.Email, password = Input.Password }, null, HttpContext.RequestAborted);
        if (created.Problem is { } refused)
        {
            Show(refused, Fields);
            return Page();
        }

        var token = await Api.SendAsync(HttpMethod.Post, "/auth/token", new { email = Input.Email, password = Input.Password }, null, HttpContext.RequestAborted);
        if (token.Problem is { } problem)
        {
            Show(problem, LoginModel.Fields);
            return Page();
        }

        await SignInAsync(Input.Email!, token.Body);
        return RedirectToPage("/Apps/Index");
    }

    private static readonly Dictionary<string, string> Fields = new()
    {
        ["name"] = "Input.Name",
        ["kind"] = "Input.Kind",
        ["email"] = "Input.Email",
        ["password"] = "Input.Password",
    };

    public sealed class SignUp
    {
        [Required(ErrorMessage = "Organisation name: required.")]
        public string? Name { get; set; }

        [Required(ErrorMessage = "Kind: required.")]
        public string? Kind { get; set; } = "fintech";

        [Required(ErrorMessage = "Email: required.")]
        public string? Email { get; set; }

        [Required(ErrorMessage = "Password: required.")]
        public string? Password { get; set; }
    }
}
