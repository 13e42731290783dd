using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Mvc;
using Yarp.ReverseProxy.Forwarder;

namespace Finqware.Gateway.Edge;

/// <summary>
/// What a client gets when the service behind a route could not answer: never YARP's bare <c>502</c>. A service that is
/// down, restarting or refusing connections (no destination, connection refused or dropped before an answer) is a
/// <c>503 SERVICE_UNAVAILABLE</c> problem with <c>Retry-After</c>; a service too slow is a <c>504 GATEWAY_TIMEOUT</c>
/// problem; a client that stopped sending its body is a <c>400</c>. Answers already started cannot be changed.
/// </summary>
public static class ProxyErrors
{
    /// <summary>Seconds a client should wait before it retries (a restarting service is back in a few seconds).</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>Runs around YARP's forwarder, after its load balancing and health checks.</summary>
    public static async Task HandleAsync(HttpContext context, Func<Task> next)
    {
        await next();
        if (context.GetForwarderErrorFeature() is not { } error || context.Response.HasStarted)
        {
            return;
        }

        var problem = error.Error switch
        {
            ForwarderError.RequestCanceled => null,
            ForwarderError.RequestTimedOut => Problem(StatusCodes.Status504GatewayTimeout, ProblemCodes.GatewayTimeout,
                "The service behind this route did not answer in time.",
                "The request may have been carried out. Retry with the same Idempotency-Key, or read the resource first."),
            ForwarderError.RequestBodyClient => Problem(StatusCodes.Status400BadRequest, ProblemCodes.BadRequest,
                "The request body could not be read.", "Send the whole body again."),
            _ => Problem(StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable,
                "The service behind this route is not available right now.",
                $"It is down or restarting: retry after {RetryAfterSeconds} s (Retry-After). A POST may have been carried out if the " +
                "connection broke after it was sent: retry it with the same Idempotency-Key. GET /health/services shows which service is down."),
        };
        if (problem is null)
        {
            return;
        }

        context.Response.StatusCode = problem.Status!.Value;
        if (problem.Status is StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    private static ProblemDetails Problem(int status, string code, string title, string detail)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions[ApiProblems.CodeKey] = code;
        return problem;
    }
}
