using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Finqware.ServiceDefaults.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Finqware.ServiceDefaults.Data.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> (IETF httpapi draft) on every <c>POST</c>, <c>PUT</c>, <c>PATCH</c> and <c>DELETE</c> of the
/// service, but the paths it is told to leave alone (token requests). A request with a key the caller has not used runs,
/// and its successful answer is kept (<see cref="IdempotencyStore"/>, 24 h) and then replayed as it was to a retry of the
/// same request, with <c>Idempotent-Replayed: true</c>. The same key with another request is <c>422
/// IDEMPOTENCY_KEY_REUSED</c>; while the first runs, <c>409 IDEMPOTENCY_KEY_IN_USE</c>. An answer that is not a 2xx is not
/// kept: the key is free again. Keys are scoped to the caller: the tenant or user its credential names (after
/// authorization), or for routes whose credentials are in the body (opening a session, a step) the request itself, since
/// a replay needs the very same body, credentials included.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IdempotencyStore store, IOptions<IdempotencyOptions> options, IReadOnlyCollection<string> excludedPaths)
{
    public const string KeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!(HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsDelete(request.Method))
            || !request.Headers.TryGetValue(KeyHeader, out var values)
            || excludedPaths.Any(path => request.Path.StartsWithSegments(path)))
        {
            await next(context);
            return;
        }

        if (values.Count != 1 || Parse(values[0]) is not { } key)
        {
            await ProblemAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.IdempotencyKeyInvalid, "The Idempotency-Key is not valid.",
                "Send one Idempotency-Key of 1 to 255 visible ASCII characters (a UUID is best), or none.");
            return;
        }

        var requestHash = await HashRequestAsync(request, context.RequestAborted);
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Scope(context.User) + "\n" + key)));
        var (claim, answer) = await store.ClaimAsync(id, Convert.ToHexStringLower(requestHash), context.RequestAborted);
        switch (claim)
        {
            case IdempotencyClaim.Reused:
                await ProblemAsync(context, StatusCodes.Status422UnprocessableEntity, ProblemCodes.IdempotencyKeyReused, "This Idempotency-Key was used for another request.",
                    "A key stands for one request: send a new key for a new request, or the first request exactly as it was to get its answer again.");
                return;
            case IdempotencyClaim.InUse:
                context.Response.Headers.RetryAfter = "1";
                await ProblemAsync(context, StatusCodes.Status409Conflict, ProblemCodes.IdempotencyKeyInUse, "The first request with this Idempotency-Key is still running.",
                    "Retry after Retry-After seconds with the same key: you will get its answer.");
                return;
            case IdempotencyClaim.Answered when IdempotencyCipher.Open(key, requestHash, answer!.Body ?? []) is { } body:
                context.Response.StatusCode = answer.Status!.Value;
                context.Response.ContentType = answer.ContentType;
                if (answer.Location is not null)
                {
                    context.Response.Headers.Location = answer.Location;
                }

                context.Response.Headers[ReplayedHeader] = "true";
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
                return;
            case IdempotencyClaim.Answered:
                // Same key and fingerprint, yet the answer does not open: treat it as a key used for another request.
                goto case IdempotencyClaim.Reused;
        }

        await RunAndKeepAsync(context, id, key, requestHash);
    }

    private async Task RunAndKeepAsync(HttpContext context, string id, string key, byte[] requestHash)
    {
        var response = context.Response;
        var original = response.Body;
        using var captured = new MemoryStream();
        response.Body = captured;
        try
        {
            await next(context);
        }
        catch
        {
            response.Body = original;
            await store.ReleaseAsync(id, CancellationToken.None);
            throw;
        }

        response.Body = original;
        var kept = response.StatusCode is >= 200 and < 300 && captured.Length <= options.Value.MaxAnswerBytes;
        if (kept)
        {
            // Kept even when the client has gone: its retry is what the key is for.
            await store.CompleteAsync(id, response.StatusCode, response.ContentType, response.Headers.Location.ToString() is { Length: > 0 } location ? location : null,
                IdempotencyCipher.Seal(key, requestHash, captured.GetBuffer().AsSpan(0, (int)captured.Length)), CancellationToken.None);
            response.Headers[ReplayedHeader] = "false";
        }
        else
        {
            await store.ReleaseAsync(id, CancellationToken.None);
        }

        captured.Position = 0;
        await captured.CopyToAsync(original, context.RequestAborted);
    }

    /// <summary>The key: 1 to 255 visible ASCII characters; a structured-field string ("...") is taken without its quotes.</summary>
    private static string? Parse(string? value)
    {
        if (value is { Length: >= 2 } && value[0] == '"' && value[^1] == '"')
        {
            value = value[1..^1];
        }

        return value is { Length: > 0 and <= 255 } && value.All(c => c is > ' ' and < '\u007f') ? value : null;
    }

    /// <summary>Whose keys these are: the tenant or user the authenticated credential names, else the request's own.</summary>
    private static string Scope(ClaimsPrincipal user)
    {
        foreach (var identity in user.Identities.Where(i => i.IsAuthenticated))
        {
            if (identity.FindFirst("client_id")?.Value is { } clientId)
            {
                return "tenant:" + clientId;
            }

            if (identity.FindFirst("sub")?.Value is { } subject)
            {
                return "user:" + subject;
            }
        }

        return "public";
    }

    /// <summary>SHA-256 of method, path and query, content type and body; the body stays readable for the endpoint.</summary>
    private static async Task<byte[]> HashRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.Path}{request.QueryString}\n{request.ContentType}\n"));
        request.EnableBuffering(bufferThreshold: 1024 * 1024);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        request.Body.Position = 0;
        return hash.GetHashAndReset();
    }

    private static async Task ProblemAsync(HttpContext context, int status, string code, string title, string detail)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions[ApiProblems.CodeKey] = code;
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
