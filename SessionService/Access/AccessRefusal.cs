using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.SessionService.Access;

/// <summary>
/// Endpoint metadata: the problem a route group answers (401, code <c>UNAUTHORIZED</c>) when its policy is not met,
/// whatever the reason (no credential, a malformed, forged, expired or foreign one, a suspended tenant). A factory,
/// since a problem document is completed per request (trace_id, instance).
/// </summary>
public sealed record AccessRefusal(Func<ProblemHttpResult> Problem)
{
    /// <summary>Sessions and steps: the client app or the server.</summary>
    public static readonly AccessRefusal ClientAppOrServer = new(() => ApiProblems.Unauthorized(ProblemCodes.Unauthorized, "Credentials are required.",
        "From your server send Authorization: Bearer <token from POST /oauth/token>; from your client app send HTTP Basic client_id:client_app_key."));

    /// <summary>Webhook deliveries: the server only.</summary>
    public static readonly AccessRefusal WebhookDeliveries = new(() => ApiProblems.Unauthorized(ProblemCodes.Unauthorized, "An API token is required.",
        "Webhook deliveries are server-side data: send Authorization: Bearer <token from POST /oauth/token>."));

    /// <summary>The activity log: the server only.</summary>
    public static readonly AccessRefusal Activity = new(() => ApiProblems.Unauthorized(ProblemCodes.Unauthorized, "An API token is required.",
        "The activity log is read by your server only: send Authorization: Bearer <token from POST /oauth/token>."));

    /// <summary>The data APIs (connections, accounts, transactions, payments, applications): the server only.</summary>
    public static readonly AccessRefusal ConsentedData = new(() => ApiProblems.Unauthorized(ProblemCodes.Unauthorized, "An API token is required.",
        "The data your users consented to is read by your server only: send Authorization: Bearer <token from POST /oauth/token>."));
}

/// <summary>
/// Writes the route group's <see cref="AccessRefusal"/> when authorization fails, instead of each scheme's challenge: one
/// problem document per refusal, through the same writer as every other problem.
/// </summary>
internal sealed class AccessRefusalWriter : IAuthorizationMiddlewareResultHandler
{
    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        var refusal = context.GetEndpoint()?.Metadata.GetMetadata<AccessRefusal>()
            ?? throw new InvalidOperationException($"{context.GetEndpoint()?.DisplayName} has an access policy but no {nameof(AccessRefusal)}.");
        return refusal.Problem().ExecuteAsync(context);
    }
}
