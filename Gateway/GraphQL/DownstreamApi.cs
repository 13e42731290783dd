using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finqware.ServiceDefaults.Problems;
using GraphQL;

namespace Finqware.Gateway.GraphQL;

/// <summary>What one GraphQL request carries to its resolvers: the caller's credentials, forwarded unchanged.</summary>
public sealed class GraphQLRequestContext : Dictionary<string, object?>
{
    public string? Authorization { get; init; }

    /// <summary>The request's Idempotency-Key, handed to the REST routes its mutations call.</summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>
/// The REST APIs the resolvers read, called through service discovery (<c>http://catalog</c>, <c>http://sessions</c>, i.e.
/// <c>services__catalog__http__0</c> and <c>services__sessions__http__0</c>) with the caller's <c>Authorization</c> header,
/// so every read is authorised exactly as the REST route authorises it. A refusal becomes a <see cref="DownstreamError"/>.
/// </summary>
public sealed partial class DownstreamApi(IHttpClientFactory clients, ILogger<DownstreamApi> logger)
{
    public const string Catalog = "catalog";
    public const string Sessions = "sessions";

    public static string ClientName(string service) => "graphql-" + service;

    private static readonly JsonSerializerOptions Body = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>GET <paramref name="path"/> (already escaped) on <paramref name="service"/>; the JSON body of a 2xx answer.</summary>
    public Task<JsonElement> GetAsync(IResolveFieldContext context, string service, string path) =>
        SendAsync(context, HttpMethod.Get, service, path, null);

    /// <summary>
    /// <paramref name="method"/> on <paramref name="path"/> with <paramref name="content"/> as JSON (a mutation); the JSON body of a
    /// 2xx answer, an empty object for a 204. The caller's Idempotency-Key is passed on.
    /// </summary>
    public async Task<JsonElement> SendAsync(IResolveFieldContext context, HttpMethod method, string service, string path, object? content)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (content is not null)
        {
            request.Content = JsonContent.Create(content, options: Body);
        }

        if (context.UserContext is GraphQLRequestContext { IdempotencyKey: { Length: > 0 } key } && method != HttpMethod.Get)
        {
            // One key per GraphQL request and field: two mutations in one request are two operations.
            request.Headers.TryAddWithoutValidation("Idempotency-Key", $"{key}:{context.Path.First()}");
        }

        if (context.UserContext is GraphQLRequestContext { Authorization: { Length: > 0 } authorization })
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName(service)).SendAsync(request, context.CancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or Polly.ExecutionRejectedException
            || (ex is OperationCanceledException && !context.CancellationToken.IsCancellationRequested))
        {
            LogUnreachable(logger, service, ex.GetType().Name);
            throw new DownstreamError($"The {service} service is not answering. Retry in a few seconds; GET /health/services shows which service is down.",
                ex is OperationCanceledException ? ProblemCodes.GatewayTimeout : ProblemCodes.BadGateway, null, null);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(context.CancellationToken);
            if (response.IsSuccessStatusCode && body.Length == 0)
            {
                return EmptyObject;
            }

            if (response.IsSuccessStatusCode)
            {
                try
                {
                    return JsonDocument.Parse(body).RootElement.Clone();
                }
                catch (JsonException)
                {
                    LogUnreadable(logger, service, (int)response.StatusCode);
                    throw new DownstreamError($"The {service} service answered something unreadable.", ProblemCodes.BadGateway, null, null);
                }
            }

            throw Refusal(service, response.StatusCode, body);
        }
    }

    /// <summary>The service's problem document as an error: its title and detail, its code, the category of its status.</summary>
    private DownstreamError Refusal(string service, HttpStatusCode statusCode, byte[] body)
    {
        var status = (int)statusCode;
        string? title = null, detail = null, problemCode = null;
        Dictionary<string, string[]>? fieldErrors = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                title = Text(root, "title");
                detail = Text(root, "detail");
                problemCode = Text(root, ApiProblems.CodeKey);
                if (root.TryGetProperty(ApiProblems.ErrorsKey, out var errors) && errors.ValueKind == JsonValueKind.Object)
                {
                    fieldErrors = errors.EnumerateObject().ToDictionary(
                        e => e.Name,
                        e => e.Value.ValueKind == JsonValueKind.Array ? e.Value.EnumerateArray().Select(m => m.ToString()).ToArray() : [e.Value.ToString()]);
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem document: the status alone says what happened.
        }

        if (status >= 500)
        {
            LogFailed(logger, service, status, problemCode);
        }

        // A route the service does not have (an id that is not a valid id) is, to the caller, an id that does not exist.
        if (problemCode == ProblemCodes.RouteNotFound)
        {
            title = "Not found.";
            detail = null;
            problemCode = null;
        }

        var message = string.Join(' ', new[] { title, detail }.Where(s => !string.IsNullOrWhiteSpace(s)));
        return new DownstreamError(
            message.Length > 0 ? message : $"The {service} service answered {status}.",
            ProblemCodes.ForStatus(status),
            status,
            problemCode,
            fieldErrors);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "GraphQL could not reach the {Service} service ({Error})")]
    private static partial void LogUnreachable(ILogger logger, string service, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GraphQL got an unreadable {Status} answer from the {Service} service")]
    private static partial void LogUnreadable(ILogger logger, string service, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "GraphQL read failed on the {Service} service: {Status} {ProblemCode}")]
    private static partial void LogFailed(ILogger logger, string service, int status, string? problemCode);
}
