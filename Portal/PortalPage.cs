using System.Buffers.Text;
using System.Security.Claims;
using System.Text.Json;
using Finqware.Portal.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Finqware.Portal;

/// <summary>
/// What every page shares: the signed-in user's portal token (from the authentication cookie), the API, and a refusal
/// shown as the API wrote it (its title, detail, code, and each field it names, beside that field).
/// </summary>
public abstract class PortalPage(GatewayApi api) : PageModel
{
    public const string TokenClaim = "portal_token";
    public const string ServicerClaim = "servicer";

    protected GatewayApi Api { get; } = api;

    /// <summary>The last refusal of the API, shown at the top of the page (<c>_Problem</c>).</summary>
    public ApiProblem? Problem { get; set; }

    public string Token => User.FindFirstValue(TokenClaim) ?? throw new InvalidOperationException("Not signed in.");

    public string ServicerId => User.FindFirstValue(ServicerClaim) ?? throw new InvalidOperationException("Not signed in.");

    public string? Email => User.FindFirstValue(ClaimTypes.Email);

    /// <summary>
    /// Shows <paramref name="problem"/>; each field it names goes to the input of that name (<paramref name="inputs"/>:
    /// the API's field, e.g. <c>webhook_url</c>, to the page's input, e.g. <c>Input.WebhookUrl</c>), the rest above the form.
    /// </summary>
    protected void Show(ApiProblem problem, IReadOnlyDictionary<string, string>? inputs = null)
    {
        Problem = problem;
        foreach (var (field, messages) in problem.Errors)
        {
            var input = inputs?.FirstOrDefault(i => field == i.Key || field.StartsWith(i.Key + "[", StringComparison.Ordinal) || field.StartsWith(i.Key + ".", StringComparison.Ordinal)).Value;
            foreach (var message in messages)
            {
                ModelState.AddModelError(input ?? string.Empty, $"{field}: {message}");
            }
        }
    }

    /// <summary>A call with the user's token; an expired or revoked token signs the user out (the next page asks to log in).</summary>
    protected async Task<ApiAnswer> CallAsync(HttpMethod method, string path, object? body = null)
    {
        var answer = await Api.SendAsync(method, path, body, Token, HttpContext.RequestAborted);
        if (answer.Status == StatusCodes.Status401Unauthorized)
        {
            await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }

        return answer;
    }

    protected Task<ApiAnswer> GetAsync(string path) => CallAsync(HttpMethod.Get, path);

    /// <summary>The servicer's apps (<c>GET /servicers/{id}/tenants</c>), or null when the token no longer works (then <see cref="SignedOut"/>).</summary>
    protected async Task<IReadOnlyList<JsonElement>?> AppsAsync()
    {
        var tenants = await GetAsync($"/servicers/{ServicerId}/tenants");
        if (tenants.Status == StatusCodes.Status401Unauthorized)
        {
            return null;
        }

        Problem ??= tenants.Problem;
        return [.. tenants.Body.Items()];
    }

    /// <summary>
    /// An app's API token from its client secret (<c>POST /oauth/token</c>), as the app's server gets one; a refusal is
    /// shown, and beside <paramref name="secretInput"/>.
    /// </summary>
    protected async Task<string?> AppTokenAsync(string clientId, string secret, string secretInput)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret,
        });
        var token = await Api.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/oauth/token") { Content = form }, null, HttpContext.RequestAborted);
        if (token.Problem is { } refused)
        {
            Show(refused);
            ModelState.AddModelError(secretInput, $"client_secret: {refused.Detail ?? refused.Title}");
            return null;
        }

        return token.Body.Str("access_token");
    }

    /// <summary>The page to show after a 401 from the API: the login page, back here afterwards.</summary>
    protected IActionResult SignedOut() => RedirectToPage("/Account/Login", new { returnUrl = Request.PathBase + Request.Path + Request.QueryString });

    /// <summary>Signs in with a portal token from <c>POST /auth/token</c>: the cookie expires with it.</summary>
    protected async Task SignInAsync(string email, JsonElement token)
    {
        var accessToken = token.Str("access_token")!;
        var claims = Claims(accessToken);
        var identity = new ClaimsIdentity(
            [
                new Claim(TokenClaim, accessToken),
                new Claim(ServicerClaim, claims.Str("servicer") ?? ""),
                new Claim(ClaimTypes.NameIdentifier, claims.Str("sub") ?? ""),
                new Claim(ClaimTypes.Email, email),
                new Claim(ClaimTypes.Role, claims.Str("role") ?? ""),
            ],
            CookieAuthenticationDefaults.AuthenticationScheme);
        var expiresIn = token.Prop("expires_in").ValueKind == JsonValueKind.Number ? token.Prop("expires_in").GetInt32() : 3600;
        await HttpContext.SignInAsync(
            CookieAuthenticationDefaults.AuthenticationScheme,
            new ClaimsPrincipal(identity),
            new AuthenticationProperties { IsPersistent = false, ExpiresUtc = DateTimeOffset.UtcNow.AddSeconds(expiresIn) });
    }

    /// <summary>
    /// The token's claims, read (not verified: it came from TenantService just now, and TenantService checks it at every
    /// call) to know the user's servicer; the role shown is a hint, TenantService decides at each request.
    /// </summary>
    private static JsonElement Claims(string jwt)
    {
        var parts = jwt.Split('.');
        return parts.Length == 3 ? JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement.Clone() : default;
    }
}
