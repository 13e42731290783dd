using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.ServiceDefaults.Problems;

/// <summary>
/// Builds RFC 9457 problem results with a stable <c>code</c>. <c>trace_id</c> is added when the problem is
/// written (see <see cref="ProblemDetailsSetup"/>), so handlers only say what went wrong and what to do next.
/// </summary>
public static class ApiProblems
{
    public const string CodeKey = "code";
    public const string TraceIdKey = "trace_id";
    public const string ErrorsKey = "errors";

    /// <summary>Carries Retry-After from where a problem is decided to where it is written; never serialized.</summary>
    internal const string RetryAfterKey = "__retry_after";

    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions[CodeKey] = code;
        return TypedResults.Problem(problem);
    }

    /// <summary>A 422 (or other status) problem with per-field <c>errors</c>.</summary>
    public static ProblemHttpResult Validation(
        IDictionary<string, string[]> errors,
        string code = ProblemCodes.ValidationFailed,
        string title = "The request is not valid.",
        string? detail = "Correct the fields listed in errors and send the request again.",
        int status = StatusCodes.Status422UnprocessableEntity)
    {
        var problem = new HttpValidationProblemDetails(errors) { Status = status, Title = title, Detail = detail };
        problem.Extensions[CodeKey] = code;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult NotFound(string code, string title, string? detail = null) =>
        Create(StatusCodes.Status404NotFound, code, title, detail);

    public static ProblemHttpResult Conflict(string code, string title, string? detail = null) =>
        Create(StatusCodes.Status409Conflict, code, title, detail);

    /// <summary>A problem (503 unless told) that also answers <c>Retry-After</c>, set when the problem is written.</summary>
    public static ProblemHttpResult Unavailable(string code, string title, string? detail, TimeSpan retryAfter, int status = StatusCodes.Status503ServiceUnavailable)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions[CodeKey] = code;
        problem.Extensions[RetryAfterKey] = (int)Math.Ceiling(retryAfter.TotalSeconds);
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Unauthorized(string code, string title, string? detail = null) =>
        Create(StatusCodes.Status401Unauthorized, code, title, detail);
}
