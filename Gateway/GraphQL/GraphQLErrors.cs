using System.Diagnostics;
using GraphQL;
using GraphQL.Execution;

namespace Finqware.Gateway.GraphQL;

/// <summary>The <c>extensions.code</c> values that <c>/graphql</c> answers besides GraphQL.NET's own validation codes.</summary>
public static class GraphQLErrorCodes
{
    public const string MalformedJson = "MALFORMED_JSON";
    public const string QueryMissing = "QUERY_MISSING";
    public const string SyntaxError = "SYNTAX_ERROR";
    public const string QueryTooDeep = "QUERY_TOO_DEEP";
    public const string QueryTooComplex = "QUERY_TOO_COMPLEX";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string BatchingNotSupported = "BATCHING_NOT_SUPPORTED";
    public const string InternalError = "INTERNAL_ERROR";
}

/// <summary>
/// A service behind the gateway refused or failed a read. <see cref="ExecutionError.Code"/> is the category the HTTP
/// status stands for (<c>NOT_FOUND</c>, <c>UNAUTHORIZED</c>, <c>FORBIDDEN</c>…), <see cref="ProblemCode"/> the service's own
/// problem code (<c>SESSION_NOT_FOUND</c>, <c>CONNECTION_REVOKED</c>…).
/// </summary>
public sealed class DownstreamError : ExecutionError
{
    public DownstreamError(string message, string code, int? status, string? problemCode, IReadOnlyDictionary<string, string[]>? fieldErrors = null)
        : base(message)
    {
        Code = code;
        Status = status;
        ProblemCode = problemCode;
        FieldErrors = fieldErrors;
    }

    public int? Status { get; }

    public string? ProblemCode { get; }

    public IReadOnlyDictionary<string, string[]>? FieldErrors { get; }
}

/// <summary>
/// Shapes every error the way the GraphQL spec and our docs say: <c>message</c>, <c>locations</c>, <c>path</c> and
/// <c>extensions</c> with <c>code</c> and <c>trace_id</c> (plus <c>status</c>, <c>problem_code</c> and <c>errors</c> for a
/// service's refusal). Exception details never leave the process.
/// </summary>
public sealed class GraphQLErrorInfoProvider() : ErrorInfoProvider(new ErrorInfoProviderOptions
{
    ExposeCode = true,
    ExposeCodes = false,
    ExposeData = false,
    ExposeExceptionDetails = false,
})
{
    public override ErrorInfo GetInfo(ExecutionError executionError)
    {
        var info = base.GetInfo(executionError);
        var extensions = info.Extensions ?? new Dictionary<string, object?>();
        if (executionError is DownstreamError downstream)
        {
            if (downstream.Status is { } status)
            {
                extensions["status"] = status;
            }

            if (downstream.ProblemCode is { } problemCode)
            {
                extensions["problem_code"] = problemCode;
            }

            if (downstream.FieldErrors is { Count: > 0 } fieldErrors)
            {
                extensions["errors"] = fieldErrors;
            }
        }

        if (Activity.Current?.TraceId.ToString() is { } traceId)
        {
            extensions["trace_id"] = traceId;
        }

        info.Extensions = extensions;
        return info;
    }
}
