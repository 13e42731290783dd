using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Finqware.SessionService.Access;

/// <summary>
/// Puts access in the service's OpenAPI document: the security schemes (<see cref="AccessSchemes"/>), and on each
/// operation the requirement its route group's policy sets (one entry per scheme the policy accepts: either will do), or
/// <c>x-credentials</c> for a route that takes them in its body (<see cref="BodyCredentials"/>).
/// </summary>
internal sealed class AccessOpenApi(IAuthorizationPolicyProvider policies) : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[AccessSchemes.ClientAppKey] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "basic",
            Description = "The tenant's client app: HTTP Basic client_id:client_app_key. Reads statuses of its sessions and cancels them. "
                + "POST /sessions takes the same pair as the body fields client_id and client_app_key (x-credentials).",
        };
        document.Components.SecuritySchemes[AccessSchemes.ApiToken] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.OAuth2,
            Description = "The tenant's server: Authorization: Bearer <access_token>, an API token from POST /oauth/token (client credentials). "
                + "Reads everything about its sessions and the data its users consented to.",
            Flows = new OpenApiOAuthFlows
            {
                ClientCredentials = new OpenApiOAuthFlow { TokenUrl = new Uri("/oauth/token", UriKind.Relative), Scopes = new Dictionary<string, string>() },
            },
        };
        return Task.CompletedTask;
    }

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        foreach (var policyName in metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct())
        {
            if (await policies.GetPolicyAsync(policyName) is not { } policy)
            {
                continue;
            }

            operation.Security ??= [];
            foreach (var scheme in policy.AuthenticationSchemes)
            {
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
            }
        }

        if (metadata.OfType<BodyCredentials>().FirstOrDefault() is { } body)
        {
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions["x-credentials"] = new JsonNodeExtension(new JsonObject
            {
                ["scheme"] = body.Scheme,
                ["in"] = "body",
                ["fields"] = new JsonArray([.. body.Fields.Select(f => (JsonNode)f)]),
            });
        }
    }
}
