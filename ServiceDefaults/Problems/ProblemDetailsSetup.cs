using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Finqware.ServiceDefaults.Problems;

/// <summary>
/// Every error a Finqware service answers is an RFC 9457 problem document with <c>code</c> and <c>trace_id</c>:
/// problems returned by handlers, empty 4xx/5xx responses (unknown route, wrong method), unreadable bodies and
/// unhandled exceptions alike. No stack trace ever leaves the process.
/// </summary>
public static class ProblemDetailsSetup
{
    public static IServiceCollection AddFinqwareProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Customize);
        // After ASP.NET Core's writer, which declines a client that does not accept JSON.
        services.AddSingleton<IProblemDetailsWriter, AnyAcceptProblemWriter>();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Unreadable bodies throw BadHttpRequestException so the handler above can name the problem.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    public static WebApplication UseFinqwareProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages(WriteStatusCodeProblemAsync);
        return app;
    }

    internal static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Extensions.Remove("traceId");
        if (problem.Extensions.Remove(ApiProblems.RetryAfterKey, out var retryAfter) && retryAfter is int seconds && !context.HttpContext.Response.HasStarted)
        {
            context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        problem.Extensions[ApiProblems.TraceIdKey] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        if (!problem.Extensions.ContainsKey(ApiProblems.CodeKey))
        {
            problem.Extensions[ApiProblems.CodeKey] = ProblemCodes.ForStatus(problem.Status ?? context.HttpContext.Response.StatusCode);
        }

        problem.Instance ??= context.HttpContext.Request.Path;
    }

    private static async Task WriteStatusCodeProblemAsync(StatusCodeContext statusContext)
    {
        var http = statusContext.HttpContext;
        var status = http.Response.StatusCode;
        var request = http.Request;
        var problem = new ProblemDetails { Status = status };
        switch (status)
        {
            case StatusCodes.Status404NotFound:
                problem.Title = "No such resource.";
                problem.Detail = $"Nothing answers {request.Method} {request.Path}. See the API reference at /docs for the available routes.";
                problem.Extensions[ApiProblems.CodeKey] = ProblemCodes.RouteNotFound;
                break;
            case StatusCodes.Status405MethodNotAllowed:
                var allowed = http.Response.Headers.Allow.ToString();
                problem.Title = "Method not allowed.";
                problem.Detail = string.IsNullOrEmpty(allowed)
                    ? $"{request.Method} is not supported on {request.Path}."
                    : $"{request.Method} is not supported on {request.Path}; use {allowed}.";
                problem.Extensions[ApiProblems.CodeKey] = ProblemCodes.MethodNotAllowed;
                break;
            case StatusCodes.Status415UnsupportedMediaType:
                problem.Title = "Unsupported content type.";
                problem.Detail = $"{request.ContentType ?? "A request without Content-Type"} is not accepted on {request.Method} {request.Path}; send application/json (or multipart/form-data for uploads).";
                problem.Extensions[ApiProblems.CodeKey] = ProblemCodes.UnsupportedMediaType;
                break;
            case StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout:
                problem.Title = "The service behind this route is not answering.";
                problem.Detail = "Retry in a few seconds. If it persists, GET /health/services shows which service is down.";
                http.Response.Headers.RetryAfter = "5";
                break;
            default:
                problem.Title = ReasonPhrase(status);
                break;
        }

        var writer = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await writer.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }

    internal static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase + "." : "Error.";
}

/// <summary>Turns exceptions into problem documents; logs unexpected ones with their trace, never returns them.</summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => Problem(
                StatusCodes.Status400BadRequest,
                ProblemCodes.MalformedJson,
                "The request body is not valid JSON for this endpoint.",
                json.Path is { Length: > 0 } path
                    ? $"The value at {path} (line {json.LineNumber + 1}) could not be read. Send a JSON object as documented at /docs."
                    : "Send a JSON object as documented at /docs, with Content-Type: application/json."),
            BadHttpRequestException bad => FromBadRequest(bad, httpContext.Request),
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested => null,
            _ when TransientFailure.Is(exception) => Unavailable(httpContext),
            _ => Problem(
                StatusCodes.Status500InternalServerError,
                ProblemCodes.InternalError,
                "An unexpected error occurred.",
                "The request was not completed. Retry later; if it keeps failing, contact support with the trace_id."),
        };

        if (problem is null)
        {
            // The client went away: nobody is left to answer.
            return true;
        }

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            LogUnavailable(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }
        else if (problem.Status >= 500)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }
        else
        {
            LogBadRequest(logger, problem.Status ?? 400, httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
        });
    }

    private static ProblemDetails FromBadRequest(BadHttpRequestException bad, HttpRequest request) => bad.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => Problem(bad.StatusCode, ProblemCodes.PayloadTooLarge,
            "The request body is too large.", "Send a smaller body; the limits are listed at /docs."),
        StatusCodes.Status415UnsupportedMediaType => Problem(bad.StatusCode, ProblemCodes.UnsupportedMediaType,
            "Unsupported content type.", $"{request.ContentType ?? "(none)"} is not accepted here; send application/json."),
        _ when request.ContentLength is 0 or null && request.HasJsonContentType() => Problem(bad.StatusCode, ProblemCodes.MalformedJson,
            "The request body is missing.", "Send a JSON object as documented at /docs."),
        _ => Problem(bad.StatusCode, ProblemCodes.ForStatus(bad.StatusCode),
            "The request could not be read.", "Check the path, query and body against the API reference at /docs."),
    };

    /// <summary>A dependency is away for now (TransientFailure): 503, and when to try again.</summary>
    private static ProblemDetails Unavailable(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = UnavailableRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable,
            "The service cannot reach a dependency (its database) right now.",
            $"Retry after the number of seconds in Retry-After ({UnavailableRetryAfterSeconds}). A change this request asked for may have been made: send it again with the same Idempotency-Key, or " +
            "read the resource first. GET /health/services shows what is down.");
    }

    private const int UnavailableRetryAfterSeconds = 5;

    private static ProblemDetails Problem(int status, string code, string title, string detail)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions[ApiProblems.CodeKey] = code;
        return problem;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A dependency is unavailable on {Method} {Path}: answered 503")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected unreadable request ({Status}) on {Method} {Path}")]
    private static partial void LogBadRequest(ILogger logger, int status, string method, string path);
}
