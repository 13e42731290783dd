using Finqware.Portal;
using Finqware.Portal.Api;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace Microsoft.Extensions.Hosting;

public static class PortalExtensions
{
    /// <summary>Where the portal is served, through the gateway: <c>/portal/</c> (the gateway forwards the path as it is).</summary>
    public const string PathBase = "/portal";

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHttpContextAccessor();

        // The public API through the gateway (service discovery name "gateway"). Not retried (a sign-up or a key rotation is
        // never sent twice) and without the standard handler's 10 s attempt timeout: a step is followed with ?wait=.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the default handler.
        builder.Services.AddHttpClient<GatewayApi>(http =>
        {
            http.BaseAddress = new Uri("http://" + GatewayApi.ClientName);
            http.Timeout = TimeSpan.FromSeconds(60);
        }).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        // The portal token lives in the authentication cookie only: HttpOnly, SameSite=Strict, encrypted and signed by
        // ASP.NET Core data protection, and it expires with the token.
        builder.Services.AddDataProtection().SetApplicationName("finqware-portal");
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
        {
            options.Cookie.Name = "finqware_portal";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.Path = PathBase;
            options.LoginPath = "/account/login";
            options.LogoutPath = "/account/logout";
            options.AccessDeniedPath = "/account/login";
            options.SlidingExpiration = false;
        });
        builder.Services.AddAuthorization();
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "finqware_portal_csrf";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.Path = PathBase;
            options.FormFieldName = "__csrf";
        });
        builder.Services.AddRazorPages(options =>
        {
            options.Conventions.AuthorizeFolder("/");
            options.Conventions.AllowAnonymousToFolder("/Account");
            options.Conventions.AuthorizePage("/Account/Logout");
        });
        return builder;
    }

    public static WebApplication UsePortal(this WebApplication app)
    {
        app.UsePathBase(PathBase);
        app.Use((context, next) =>
        {
            // Nothing from elsewhere: no CDN, no inline script, no framing.
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            return next(context);
        });
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
