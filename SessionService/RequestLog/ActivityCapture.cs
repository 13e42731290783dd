using System.Diagnostics;
using Finqware.SessionService.Access;
using Finqware.SessionService.Usage;

namespace Finqware.SessionService.RequestLog;

/// <summary>
/// Records every request a route of this service answered into the <see cref="ActivityLog"/>: time, method, the route's
/// template (never the raw path: bounded, and no ids or query values in it), status, latency, the W3C trace id (the
/// gateway's, as it propagates <c>traceparent</c>), the caller's tenant when its credential names one, and the session,
/// step or connection it touched (route values, a new session's <c>Location</c>, the connection whose data it read).
/// </summary>
public static class ActivityCapture
{
    public static IApplicationBuilder UseActivityCapture(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            var at = DateTimeOffset.UtcNow;
            var failed = false;
            try
            {
                await next(context);
            }
            catch
            {
                // The problem-details middleware, outside this one, answers it with a 5xx problem.
                failed = true;
                throw;
            }
            finally
            {
                if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route } && !route.StartsWith("/internal", StringComparison.Ordinal)
                    && !route.StartsWith("/health", StringComparison.Ordinal) && !route.StartsWith("/alive", StringComparison.Ordinal)
                    && !route.StartsWith("/openapi", StringComparison.Ordinal))
                {
                    Record(context, route, at, failed ? StatusCodes.Status500InternalServerError : context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
                }
            }
        });

    private static void Record(HttpContext context, string route, DateTimeOffset at, int status, TimeSpan latency)
    {
        Guid? RouteGuid(string name) => context.Request.RouteValues.TryGetValue(name, out var value) && Guid.TryParse(value?.ToString(), out var id) ? id : null;
        var sessionId = RouteGuid("session_id");
        if (sessionId is null && status == StatusCodes.Status201Created
            && context.Response.Headers.Location.ToString() is { } location && location.StartsWith("/sessions/", StringComparison.Ordinal)
            && Guid.TryParse(location["/sessions/".Length..], out var created))
        {
            sessionId = created;
        }

        var connectionId = context.Request.RouteValues.TryGetValue("connection_id", out var connection) ? connection?.ToString() : null;
        if (connectionId is null && context.RequestServices.GetService<DataReads>() is { Connections: [var read] })
        {
            connectionId = read.ConnectionId;
        }

        context.RequestServices.GetRequiredService<ActivityLog>().Record(new ApiRequest(
            Guid.CreateVersion7(), at, context.Request.Method, route, status, latency.TotalMilliseconds,
            Activity.Current?.TraceId.ToString(), context.User.FindFirst(Caller.ClientIdClaim)?.Value, sessionId, RouteGuid("step_id"),
            connectionId is { Length: <= 128 } ? connectionId : null));
    }
}
