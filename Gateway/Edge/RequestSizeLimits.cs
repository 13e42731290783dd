using System.ComponentModel.DataAnnotations;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Finqware.Gateway.Edge;

/// <summary>
/// How long a request's target (but <c>/graphql</c>'s, see <c>GraphQL__MaxRequestBytes</c>) and how large its headers may be (<c>RequestSize__MaxTargetLength</c>,
/// <c>RequestSize__MaxHeaderBytes</c>). The gateway refuses more with a problem document (<c>414 URI_TOO_LONG</c>,
/// <c>431 HEADERS_TOO_LARGE</c>); Kestrel's own limits sit well above (<see cref="TransportHeaderBytes"/>), because what
/// Kestrel refuses it refuses bare, and the services behind keep Kestrel's defaults, which these limits stay under.
/// </summary>
public sealed class RequestSizeLimits
{
    public const string Section = "RequestSize";

    /// <summary>Where Kestrel itself stops reading: past it the connection gets a bare 431 or 414, as any server's would.</summary>
    public const int TransportHeaderBytes = 64 * 1024;

    /// <summary>Path and query string, in bytes as sent.</summary>
    [Range(256, 7 * 1024)]
    public int MaxTargetLength { get; set; } = 4096;

    /// <summary>Every header's name and value, summed.</summary>
    [Range(1024, 24 * 1024)]
    public int MaxHeaderBytes { get; set; } = 24 * 1024;

    public static IHostApplicationBuilder AddRequestSizeLimits(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestSizeLimits>().BindConfiguration(Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.Limits.MaxRequestHeadersTotalSize = TransportHeaderBytes;
            kestrel.Limits.MaxRequestLineSize = TransportHeaderBytes;
        });
        return builder;
    }

    /// <summary>Writes the refusal and returns false when the request is over a limit.</summary>
    public static async Task<bool> CheckAsync(HttpContext context)
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<RequestSizeLimits>>().Value;
        var request = context.Request;
        var target = request.Path.ToUriComponent().Length + (request.QueryString.Value?.Length ?? 0);
        // /graphql is answered by the gateway itself, whose GraphQL__MaxRequestBytes bounds a GET's query string.
        if (target > limits.MaxTargetLength && !request.Path.StartsWithSegments("/graphql", StringComparison.OrdinalIgnoreCase))
        {
            await ApiProblems.Create(StatusCodes.Status414UriTooLong, ProblemCodes.UriTooLong, "The address is too long.",
                $"The path and query string are {target} characters; at most {limits.MaxTargetLength} are accepted. Send long values in a body.").ExecuteAsync(context);
            return false;
        }

        var headerBytes = 0;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                headerBytes += name.Length + (value?.Length ?? 0) + 4;
            }
        }

        if (headerBytes > limits.MaxHeaderBytes)
        {
            await ApiProblems.Create(StatusCodes.Status431RequestHeaderFieldsTooLarge, ProblemCodes.HeadersTooLarge, "The headers are too large.",
                $"The request's headers are {headerBytes} bytes; at most {limits.MaxHeaderBytes} are accepted. Drop what the API does not read.").ExecuteAsync(context);
            return false;
        }

        return true;
    }
}
