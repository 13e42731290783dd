using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finqware.AppHost.Dashboard;

/// <summary>RFC 9457 problem documents with a stable UPPER_SNAKE <c>code</c>, as every Finqware API answers bad input.</summary>
public static class DashboardProblems
{
    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code });
}
