using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Finqware.Portal.Sandbox;

/// <summary>
/// The sandbox session the wizard runs, kept in the browser: a cookie (HttpOnly, SameSite=Strict, path /portal) encrypted
/// and signed with data protection, holding the app's client id, the session, its current nonce and a 15-minute API
/// token of the app. The client secret that got the token is never kept.
/// </summary>
public sealed record WizardState(string ClientId, string Skill, string SessionId, string Nonce, string ApiToken)
{
    public const string CookieName = "finqware_portal_wizard";

    private const string Purpose = "Finqware.Portal.Sandbox.WizardState";

    public static WizardState? Read(HttpContext context, IDataProtectionProvider protection)
    {
        if (context.Request.Cookies[CookieName] is not { } value)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<WizardState>(protection.CreateProtector(Purpose).Unprotect(value));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or JsonException)
        {
            return null;
        }
    }

    public void Write(HttpContext context, IDataProtectionProvider protection) =>
        context.Response.Cookies.Append(CookieName, protection.CreateProtector(Purpose).Protect(JsonSerializer.Serialize(this)), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = Microsoft.Extensions.Hosting.PortalExtensions.PathBase,
            MaxAge = TimeSpan.FromMinutes(30),
        });

    public static void Clear(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = Microsoft.Extensions.Hosting.PortalExtensions.PathBase });
}
