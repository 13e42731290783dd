using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.SessionService.Access;

/// <summary>
/// Endpoint metadata: the problem a route group answers (401, code <c>UNAUTHORIZED</c>) when its policy is not met,
/// whatever the reason (no credential, a malformed, forged, expired or foreign one, a suspended tenant). A factory,
/// since a problem document is completed per request (trace_id, instance).
/// </summary>
public sealed record AccessRefusal(Func<ProblemHttpResult> Problem);

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
