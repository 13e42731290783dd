using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Finqware.ServiceDefaults.Problems;

/// <summary>
/// The last of the problem writers: ASP.NET Core's own writes only for a client that accepts JSON, and with none willing
/// a refusal to, say, <c>Accept: text/csv</c> would end as a bare 500. This one writes the same problem document whatever
/// the request accepts (RFC 9110 lets an error answer ignore Accept).
/// </summary>
public sealed class AnyAcceptProblemWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Status ??= context.HttpContext.Response.StatusCode;
        ProblemDetailsSetup.Customize(context);
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync<ProblemDetails>(problem, JsonSerializerOptions.Web, "application/problem+json"));
    }
}
