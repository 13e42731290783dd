using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Finqware.Portal.Api;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.Portal.Pages.Team;

/// <summary>
/// The servicer's users and their roles (<c>/servicers/{id}/users</c>): add, change a role, remove. Admins only, as
/// TenantService enforces on every route; anyone else sees its refusal (<c>403 ROLE_NOT_ALLOWED</c>) as it is written.
/// </summary>
public sealed class IndexModel(GatewayApi api) : PortalPage(api)
{
    public static readonly string[] Roles = ["admin", "developer", "viewer"];

    public IReadOnlyList<JsonElement> Users { get; private set; } = [];

    public string? Saved { get; private set; }

    [BindProperty]
    public NewUser Input { get; set; } = new();

    [BindProperty]
    public string? UserId { get; set; }

    [BindProperty]
    public string? Role { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAddAsync()
    {
        if (!ModelState.IsValid)
        {
            return await LoadAsync();
        }

        var answer = await CallAsync(HttpMethod.Post, UsersPath, new { email = Input.Email, password = Input.Password, role = Input.Role });
        return await AfterAsync(answer, $"{Input.Email} added as {Input.Role}.", AddFields, clear: true);
    }

    public async Task<IActionResult> OnPostRoleAsync()
    {
        var answer = await CallAsync(HttpMethod.Patch, $"{UsersPath}/{Uri.EscapeDataString(UserId ?? "")}", new { role = Role });
        return await AfterAsync(answer, "Role changed.", new Dictionary<string, string> { ["role"] = nameof(Role) }, clear: false);
    }

    public async Task<IActionResult> OnPostRemoveAsync()
    {
        var answer = await CallAsync(HttpMethod.Delete, $"{UsersPath}/{Uri.EscapeDataString(UserId ?? "")}");
        return await AfterAsync(answer, "User removed.", null, clear: false);
    }

    private string UsersPath => $"/servicers/{ServicerId}/users";

    private async Task<IActionResult> AfterAsync(ApiAnswer answer, string saved, IReadOnlyDictionary<string, string>? fields, bool clear)
    {
        if (answer.Status == StatusCodes.Status401Unauthorized)
        {
            return SignedOut();
        }

        if (answer.Problem is { } problem)
        {
            Show(problem, fields);
        }
        else
        {
            Saved = saved;
            if (clear)
            {
                Input = new NewUser();
                ModelState.Clear();
            }
        }

        return await LoadAsync();
    }

    private async Task<IActionResult> LoadAsync()
    {
        var users = await GetAsync(UsersPath);
        if (users.Status == StatusCodes.Status401Unauthorized)
        {
            return SignedOut();
        }

        Problem ??= users.Problem;
        Users = [.. users.Body.Items()];
        return Page();
    }

    private static readonly Dictionary<string, string> AddFields = new()
    {
        ["email"] = "Input.Email",
        ["password"] = "Input.Password",
        ["role"] = "Input.Role",
    };

    public sealed class NewUser
    {
        [Required(ErrorMessage = "Email: required.")]
        public string? Email { get; set; }

        [Required(ErrorMessage = "Password: required.")]
        public string? Password { get; set; }

        public string Role { get; set; } = "developer";
    }
}
