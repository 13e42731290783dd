using System.Globalization;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Finqware.Gateway.Edge;

/// <summary>
/// CORS for browser client apps (docs/api-conventions.md#cors), on the client routes only (<see cref="EdgeRoutes.IsClientRoute"/>):
/// <list type="bullet">
/// <item>the catalog is readable from any origin (<c>*</c>): it is public and carries no credential;</item>
/// <item>a preflight of a client route is answered for the origin that asks (it names no tenant); the request itself then
/// goes on only when the tenant it names (Basic <c>client_id</c>, or the body's) registered that origin
/// (<c>allowed_origins</c>), else it is refused with <c>403 ORIGIN_NOT_ALLOWED</c> before any service sees it;</item>
/// <item>server and management routes never allow another origin: no CORS header, a preflight is refused.</item>
/// </list>
/// A request without <c>Origin</c>, or from the gateway's own origin, is not a cross-origin one and is left alone.
/// </summary>
public sealed class EdgeCors(TenantOrigins origins, IOptions<CorsOptions> options)
{
    public const string OriginNotAllowed = "ORIGIN_NOT_ALLOWED";

    private const string AllowedHeaders = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID";
    private const string ExposedHeaders = "Location, Retry-After, RateLimit, RateLimit-Policy, Idempotent-Replayed";

    /// <summary>A preflight (<c>OPTIONS</c> with <c>Access-Control-Request-Method</c>): answered here, never proxied.</summary>
    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod) && CrossOrigin(request) is not null;

    /// <summary>Answers a preflight: allowed on the catalog and the client routes, refused elsewhere.</summary>
    public async Task AnswerPreflightAsync(HttpContext context)
    {
        var request = context.Request;
        var origin = CrossOrigin(request)!;
        var method = request.Headers[HeaderNames.AccessControlRequestMethod].ToString();
        var headers = context.Response.Headers;
        headers.Vary = HeaderNames.Origin;
        if (EdgeRoutes.IsCatalog(request.Path) && method is "GET" or "HEAD")
        {
            headers.AccessControlAllowOrigin = "*";
        }
        else if (EdgeRoutes.IsClientRoute(method, request.Path))
        {
            headers.AccessControlAllowOrigin = origin;
        }
        else
        {
            await RefuseAsync(context, origin, "This route is not for browser apps: only the client routes (skills, sessions, steps, uploads) allow other origins.", allow: false);
            return;
        }

        headers.AccessControlAllowMethods = method;
        headers.AccessControlAllowHeaders = AllowedHeaders;
        headers.AccessControlMaxAge = options.Value.PreflightMaxAgeSeconds.ToString(CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// The CORS headers of a cross-origin request, before it goes on; false when it was refused (the answer is written).
    /// </summary>
    public async Task<bool> ApplyAsync(HttpContext context, EdgeCaller caller)
    {
        var request = context.Request;
        if (CrossOrigin(request) is not { } origin)
        {
            return true;
        }

        var headers = context.Response.Headers;
        headers.Vary = HeaderNames.Origin;
        if (EdgeRoutes.IsCatalog(request.Path))
        {
            headers.AccessControlAllowOrigin = "*";
            headers.AccessControlExposeHeaders = ExposedHeaders;
            return true;
        }

        if (!EdgeRoutes.IsClientRoute(request.Method, request.Path) || caller.ClientId is not { } clientId)
        {
            // Not for browsers, or no tenant named: no CORS header (the browser keeps the answer from the page).
            return true;
        }

        switch (await origins.AllowsAsync(clientId, origin, context.RequestAborted))
        {
            case true:
                headers.AccessControlAllowOrigin = origin;
                headers.AccessControlExposeHeaders = ExposedHeaders;
                return true;
            case false:
                await RefuseAsync(context, origin, $"The tenant has not registered the origin {origin}: add it to allowed_origins (PATCH /tenants/{{client_id}}).", allow: true);
                return false;
            default:
                headers.RetryAfter = "2";
                await WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable, "Service unavailable.",
                    "The tenant's registered origins cannot be read just now: retry after Retry-After seconds.");
                return false;
        }
    }

    /// <summary>The request's <c>Origin</c> when it is another origin than the gateway's own, else null.</summary>
    private static string? CrossOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return null;
        }

        // The same host is the same site behind a TLS-terminating ingress too (the scheme seen here may be http).
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            ? null
            : origin;
    }

    private static Task RefuseAsync(HttpContext context, string origin, string detail, bool allow)
    {
        if (allow)
        {
            // The app's own origin may read why it was refused.
            context.Response.Headers.AccessControlAllowOrigin = origin;
        }

        return WriteAsync(context, StatusCodes.Status403Forbidden, OriginNotAllowed, "Origin not allowed.", detail);
    }

    private static Task WriteAsync(HttpContext context, int status, string code, string title, string detail) =>
        ApiProblems.Create(status, code, title, detail).ExecuteAsync(context);
}
