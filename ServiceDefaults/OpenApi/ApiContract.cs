using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The security schemes of the public API (declared once, in the public document the gateway serves at
/// <c>/openapi/v1.json</c>; see docs/api-contract.md).
/// </summary>
public static class ApiSecurity
{
    /// <summary>No credentials: among other schemes, it makes them optional (the route also answers anonymous callers).</summary>
    public const string Anonymous = "";

    /// <summary>A tenant's client app: HTTP Basic <c>client_id:client_app_key</c> (safe in a client app).</summary>
    public const string ClientAppKey = "clientAppKey";

    /// <summary>A tenant's server: an API token from <c>POST /oauth/token</c> (OAuth 2.0 client credentials).</summary>
    public const string ApiToken = "apiToken";

    /// <summary>A servicer's user: a portal token from <c>POST /auth/token</c>.</summary>
    public const string PortalToken = "portalToken";

    /// <summary>The session's current nonce (a macaroon), which authorises the next step.</summary>
    public const string Nonce = "nonce";

    /// <summary>A tenant's server at the token endpoint: HTTP Basic <c>client_id:client_secret</c> (RFC 6749 §2.3.1).</summary>
    public const string ClientSecret = "clientSecret";
}

/// <summary>Who may call an endpoint: any one of <see cref="Alternatives"/> (scheme names of <see cref="ApiSecurity"/>); none: public.</summary>
public sealed record ApiSecurityMetadata(IReadOnlyList<string> Alternatives);

/// <summary>A status an endpoint answers with a problem document, and the <c>code</c>s it can carry.</summary>
public sealed record ApiProblemMetadata(int Status, IReadOnlyList<string> Codes);

/// <summary>An example of the request body (<see cref="Status"/> null) or of the answer with that status, as JSON.</summary>
public sealed record ApiExampleMetadata(int? Status, string Json);

/// <summary>
/// Contract metadata kept next to each handler: its security and the problem codes it answers, per status. The service's
/// OpenAPI document carries them as <c>x-finqware-security</c> and <c>x-finqware-problems</c>; the gateway turns them into
/// security requirements and <c>application/problem+json</c> responses in the public document.
/// </summary>
public static class ApiContract
{
    public const string SecurityExtension = "x-finqware-security";
    public const string ProblemsExtension = "x-finqware-problems";

    /// <summary>Callable with any one of the given schemes (<see cref="ApiSecurity"/>).</summary>
    public static TBuilder Secured<TBuilder>(this TBuilder builder, params string[] alternatives) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiSecurityMetadata(alternatives));

    /// <summary>Callable without credentials (<c>security: []</c>).</summary>
    public static TBuilder Public<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiSecurityMetadata([]));

    /// <summary>Answers <paramref name="status"/> with a problem document whose <c>code</c> is one of <paramref name="codes"/>.</summary>
    public static TBuilder Problems<TBuilder>(this TBuilder builder, int status, params string[] codes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiProblemMetadata(status, codes));

    /// <summary>An example of the JSON request body.</summary>
    public static TBuilder RequestExample<TBuilder>(this TBuilder builder, [System.Diagnostics.CodeAnalysis.StringSyntax("json")] string json) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiExampleMetadata(null, json));

    /// <summary>An example of the JSON answer with <paramref name="status"/>.</summary>
    public static TBuilder ResponseExample<TBuilder>(this TBuilder builder, int status, [System.Diagnostics.CodeAnalysis.StringSyntax("json")] string json) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiExampleMetadata(status, json));

    /// <summary>Writes the endpoint's contract metadata into its operation (registered by <c>AddServiceOpenApi</c>).</summary>
    internal static Task WriteExtensionsAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<ApiSecurityMetadata>().LastOrDefault() is { } security)
        {
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions[SecurityExtension] = new JsonNodeExtension(new JsonArray([.. security.Alternatives.Select(s => JsonValue.Create(s))]));
        }

        var problems = metadata.OfType<ApiProblemMetadata>()
            .GroupBy(p => p.Status)
            .OrderBy(g => g.Key)
            .ToList();
        if (problems.Count > 0)
        {
            var byStatus = new JsonObject();
            foreach (var group in problems)
            {
                byStatus[group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)] =
                    new JsonArray([.. group.SelectMany(p => p.Codes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(c => JsonValue.Create(c))]);
            }

            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions[ProblemsExtension] = new JsonNodeExtension(byStatus);
        }

        foreach (var example in metadata.OfType<ApiExampleMetadata>())
        {
            IOpenApiResponse? response = null;
            var content = example.Status is { } status
                ? operation.Responses?.TryGetValue(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out response) == true ? response.Content : null
                : operation.RequestBody?.Content;
            if (content is not null && content.TryGetValue("application/json", out var found) && found is OpenApiMediaType media)
            {
                media.Example = JsonNode.Parse(example.Json);
            }
        }

        return Task.CompletedTask;
    }
}
