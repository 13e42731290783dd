using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Finqware.TenantService.Infrastructure;
using Finqware.TenantService.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;

namespace Finqware.TenantService.Tokens;

/// <summary>
/// OAuth 2.0 client credentials (RFC 6749 §4.4) for tenant servers, and the JWKS other services validate with.
/// Errors follow RFC 6749 §5.2 (<c>error</c>, <c>error_description</c>), with Finqware's <c>code</c> and <c>trace_id</c> beside them.
/// </summary>
public static class OAuthApi
{
    public static IEndpointRouteBuilder MapOAuthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/oauth/token", IssueToken).WithName("IssueApiToken")
            .WithTags("OAuth")
            .WithSummary("Get an API token with client credentials")
            .WithDescription("Form body grant_type=client_credentials with client_id and client_secret, or HTTP Basic. The token lasts 15 minutes. "
                + "Errors follow RFC 6749 §5.2 (error, error_description) with Finqware's code and trace_id beside them.")
            // Documented as a form, but not Accepts(): routing would answer any other content type with a 415 problem,
            // where RFC 6749 wants its own invalid_request error (IssueToken checks the content type itself).
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var document = context.Document!;
                document.AddComponent(nameof(ClientCredentialsForm), await context.GetOrCreateSchemaAsync(typeof(ClientCredentialsForm), null, cancellationToken));
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/x-www-form-urlencoded"] = new() { Schema = new OpenApiSchemaReference(nameof(ClientCredentialsForm), document) },
                    },
                };
            })
            .Produces<OAuthTokenResponse>()
            .Produces<OAuthError>(StatusCodes.Status400BadRequest)
            .Produces<OAuthError>(StatusCodes.Status401Unauthorized)
            .RequireRateLimiting(RateLimits.OAuth)
            .Secured(ApiSecurity.Anonymous, ApiSecurity.ClientSecret);
        routes.MapGet("/.well-known/jwks.json", Jwks).WithName("GetJwks")
            .WithTags("OAuth")
            .WithSummary("The public keys that sign Finqware tokens (JWKS)")
            .WithDescription("An RFC 7517 key set: validate API and portal tokens locally with it. Cached for five minutes.")
            .Public();
        return routes;
    }

    public static async Task<IResult> IssueToken(HttpRequest request, TenantDbContext db, TokenIssuer tokens, TimeProvider clock, CancellationToken cancellationToken)
    {
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        request.HttpContext.Response.Headers.Pragma = "no-cache";
        if (!request.HasFormContentType)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "Send an application/x-www-form-urlencoded body with grant_type=client_credentials.");
        }

        var form = await request.ReadFormAsync(cancellationToken);
        if (form["grant_type"].ToString() is var grant && grant != "client_credentials")
        {
            return string.IsNullOrEmpty(grant)
                ? Error(StatusCodes.Status400BadRequest, "invalid_request", "grant_type is required; use client_credentials.")
                : Error(StatusCodes.Status400BadRequest, "unsupported_grant_type", "Only grant_type=client_credentials is supported.");
        }

        var basic = ReadBasic(request);
        if (basic is not null && (form.ContainsKey("client_id") || form.ContainsKey("client_secret")))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "Authenticate with HTTP Basic or with form fields, not both.");
        }

        var (clientId, secret) = basic ?? (form["client_id"].ToString(), form["client_secret"].ToString());
        if (string.IsNullOrEmpty(clientId) || string.IsNullOrEmpty(secret))
        {
            return InvalidClient(basic is not null);
        }

        var now = clock.GetUtcNow();
        var tenant = await db.Tenants.AsNoTracking().Include(t => t.Keys)
            .FirstOrDefaultAsync(t => t.ClientId == clientId && t.Status == TenantStatus.Active, cancellationToken);
        var valid = tenant is not null && tenant.Keys
            .Where(k => k.Kind == KeyKinds.Secret && k.IsValidAt(now))
            .Aggregate(false, (found, key) => Secrets.Matches(secret, key.Hash) | found);
        if (!valid)
        {
            return InvalidClient(basic is not null);
        }

        var token = tokens.IssueApiToken(tenant!.ClientId, tenant.ServicerId, tenant.Environment);
        return TypedResults.Ok(new OAuthTokenResponse(token.AccessToken, "Bearer", token.ExpiresIn, TokenIssuer.ApiScopes));
    }

    public static Ok<JwksResponse> Jwks(SigningKeyStore keys, HttpResponse response)
    {
        response.Headers.CacheControl = "public, max-age=300";
        return TypedResults.Ok(new JwksResponse(keys.PublishedJwks));
    }

    private static (string ClientId, string Secret)? ReadBasic(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0
                ? (decoded, "")
                : (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
        }
        catch (FormatException)
        {
            return ("", "");
        }
    }

    private static IResult InvalidClient(bool usedBasic)
    {
        var result = Error(StatusCodes.Status401Unauthorized, "invalid_client",
            "Unknown client_id or wrong client_secret. Use the values returned when the tenant was created or its secret last rotated.");
        return usedBasic ? new WithHeader(result, "WWW-Authenticate", "Basic realm=\"finqware\"") : new WithHeader(result, "WWW-Authenticate", "Bearer realm=\"finqware\"");
    }

    private static IResult Error(int status, string error, string description) => TypedResults.Json(
        new OAuthError(error, description, error.ToUpperInvariant(), Activity.Current?.TraceId.ToString()),
        statusCode: status);

    private sealed class WithHeader(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
