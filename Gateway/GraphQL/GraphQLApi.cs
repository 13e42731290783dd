using System.Text.Json;
using System.Text.Json.Serialization;
using GraphQL;
using GraphQL.SystemTextJson;
using GraphQL.Transport;
using GraphQL.Validation;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.OpenApi;

namespace Finqware.Gateway.GraphQL;

/// <summary>
/// <c>POST /graphql</c> (and <c>GET /graphql?query=</c>): a small GraphQL-over-HTTP handler around GraphQL.NET's
/// <see cref="IDocumentExecuter"/>. Every answer is a GraphQL response (<c>data</c>, <c>errors</c>); a request that cannot be
/// run (unreadable, too large, not valid GraphQL, over the limits) is a 4xx whose errors carry <c>extensions.code</c>.
/// </summary>
public static partial class GraphQLApi
{
    public static IEndpointRouteBuilder MapGraphQLApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/graphql", PostAsync).WithName("GraphQL").WithTags("GraphQL")
            .WithSummary("Run a GraphQL query: skills, sessions, connections, accounts, transactions, payments, applications.")
            .WithDescription("Send Authorization as for the REST routes; every field is authorised as the REST route it reads. See docs/graphql.md.")
            // The body is described for the API reference only: Accepts() would let routing answer other content types
            // with a problem document, and /graphql answers everything as a GraphQL response.
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) => operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(GraphQLHttpRequest), null, cancellationToken) },
                },
            })
            .Produces<GraphQLHttpResponse>(StatusCodes.Status200OK, "application/json")
            .Produces<GraphQLHttpResponse>(StatusCodes.Status400BadRequest, "application/json")
            .Produces<GraphQLHttpResponse>(StatusCodes.Status413PayloadTooLarge, "application/json")
            .Produces<GraphQLHttpResponse>(StatusCodes.Status415UnsupportedMediaType, "application/json")
            .Secured(ApiSecurity.Anonymous, ApiSecurity.ApiToken, ApiSecurity.ClientAppKey);
        app.MapGet("/graphql", GetAsync).WithName("GraphQLGet").WithTags("GraphQL")
            .WithSummary("Run a GraphQL query given in the query string (query, operationName, variables as JSON).")
            .WithDescription("Queries only: a mutation sent with GET is refused (GraphQL over HTTP). Authorised as POST /graphql.")
            .Produces<GraphQLHttpResponse>(StatusCodes.Status200OK, "application/json")
            .Produces<GraphQLHttpResponse>(StatusCodes.Status400BadRequest, "application/json")
            .Secured(ApiSecurity.Anonymous, ApiSecurity.ApiToken, ApiSecurity.ClientAppKey);
        return app;
    }

    public static async Task PostAsync(HttpContext http, GraphQLRunner runner, IOptions<GraphQLOptions> options)
    {
        var limit = options.Value.MaxRequestBytes;
        if (!http.Request.HasJsonContentType())
        {
            await runner.WriteErrorAsync(http, StatusCodes.Status415UnsupportedMediaType, GraphQLErrorCodes.UnsupportedMediaType,
                $"{http.Request.ContentType ?? "A request without Content-Type"} is not accepted; send the query as application/json: {{\"query\": \"...\"}}.");
            return;
        }

        if (http.Request.ContentLength > limit)
        {
            await runner.WriteErrorAsync(http, StatusCodes.Status413PayloadTooLarge, GraphQLErrorCodes.PayloadTooLarge, TooLarge(limit));
            return;
        }

        var body = await ReadBoundedAsync(http.Request.Body, limit, http.RequestAborted);
        if (body is null)
        {
            await runner.WriteErrorAsync(http, StatusCodes.Status413PayloadTooLarge, GraphQLErrorCodes.PayloadTooLarge, TooLarge(limit));
            return;
        }

        GraphQLRequest? request;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Array)
            {
                await runner.WriteErrorAsync(http, StatusCodes.Status400BadRequest, GraphQLErrorCodes.BatchingNotSupported,
                    "Batched requests are not supported: send one {\"query\": \"...\"} object per request.");
                return;
            }

            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException("not an object");
            }

            request = runner.Serializer.Deserialize<GraphQLRequest>(System.Text.Encoding.UTF8.GetString(body));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            await runner.WriteErrorAsync(http, StatusCodes.Status400BadRequest, GraphQLErrorCodes.MalformedJson,
                "The body is not a GraphQL request: send a JSON object {\"query\": \"...\", \"operationName\": null, \"variables\": {}}.");
            return;
        }

        await runner.RunAsync(http, request);
    }

    public static async Task GetAsync(HttpContext http, GraphQLRunner runner, IOptions<GraphQLOptions> options)
    {
        var limit = options.Value.MaxRequestBytes;
        if (http.Request.QueryString.Value?.Length > limit)
        {
            await runner.WriteErrorAsync(http, StatusCodes.Status413PayloadTooLarge, GraphQLErrorCodes.PayloadTooLarge, TooLarge(limit));
            return;
        }

        var query = http.Request.Query;
        Inputs? variables = null;
        if (query["variables"] is { Count: > 0 } raw && !StringValues.IsNullOrEmpty(raw))
        {
            try
            {
                variables = runner.Serializer.Deserialize<Inputs>(raw.ToString());
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                await runner.WriteErrorAsync(http, StatusCodes.Status400BadRequest, GraphQLErrorCodes.MalformedJson,
                    "variables must be a JSON object, URL-encoded.");
                return;
            }
        }

        await runner.RunAsync(http, new GraphQLRequest
        {
            Query = query["query"].ToString() is { Length: > 0 } text ? text : null,
            OperationName = query["operationName"].ToString() is { Length: > 0 } name ? name : null,
            Variables = variables,
        }, queriesOnly: true);
    }

    private static string TooLarge(int limit) =>
        $"The request is larger than {limit} bytes. Send a shorter query (use variables and fragments), or split it.";

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>Runs requests against the schema and writes GraphQL responses.</summary>
public sealed partial class GraphQLRunner(
    FinqwareSchema schema,
    IDocumentExecuter executer,
    IOptions<GraphQLOptions> options,
    ILogger<GraphQLRunner> logger)
{
    private const string JsonContentType = "application/json; charset=utf-8";

    private readonly IReadOnlyList<IValidationRule> rules = [.. DocumentValidator.CoreRules, new QueryLimitsRule(options.Value)];

    /// <summary>GET runs queries only (GraphQL over HTTP): a link or an image tag must not change anything.</summary>
    private readonly IReadOnlyList<IValidationRule> queryOnlyRules = [.. DocumentValidator.CoreRules, new QueryLimitsRule(options.Value), new QueriesOnlyRule()];

    public GraphQLSerializer Serializer { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.General), new GraphQLErrorInfoProvider());

    public async Task RunAsync(HttpContext http, GraphQLRequest? request, bool queriesOnly = false)
    {
        if (request is null || string.IsNullOrWhiteSpace(request.Query))
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, GraphQLErrorCodes.QueryMissing,
                "No query: send {\"query\": \"{ skills { skill_id } }\"} (POST, application/json) or GET /graphql?query=...");
            return;
        }

        var result = await executer.ExecuteAsync(new ExecutionOptions
        {
            Schema = schema,
            Query = request.Query,
            OperationName = request.OperationName,
            Variables = request.Variables,
            Extensions = request.Extensions,
            ValidationRules = queriesOnly ? queryOnlyRules : rules,
            RequestServices = http.RequestServices,
            User = http.User,
            UserContext = new GraphQLRequestContext
            {
                Authorization = http.Request.Headers.Authorization.ToString(),
                IdempotencyKey = http.Request.Headers["Idempotency-Key"].ToString(),
            },
            CancellationToken = http.RequestAborted,
            ThrowOnUnhandledException = false,
            UnhandledExceptionDelegate = context =>
            {
                LogUnhandled(logger, context.OriginalException, context.FieldContext?.FieldDefinition.Name);
                context.Exception = new ExecutionError("An unexpected error occurred. Retry later; if it keeps failing, contact support with the trace_id.")
                {
                    Code = GraphQLErrorCodes.InternalError,
                };
                return Task.CompletedTask;
            },
        });

        // A request that was never run (syntax, validation, limits, unknown operation) is the client's to fix: 400.
        var status = result.Executed ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
        if (!result.Executed)
        {
            LogRefused(logger, result.Errors?.FirstOrDefault()?.Code);
        }

        await WriteAsync(http, status, result);
    }

    public Task WriteErrorAsync(HttpContext http, int status, string code, string message) =>
        WriteAsync(http, status, new ExecutionResult { Errors = [new ExecutionError(message) { Code = code }] });

    private async Task WriteAsync(HttpContext http, int status, ExecutionResult result)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = JsonContentType;
        await Serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception resolving GraphQL field {Field}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string? field);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a GraphQL request ({Code})")]
    private static partial void LogRefused(ILogger logger, string? code);
}

/// <summary>The body of <c>POST /graphql</c> (for the API reference; the handler reads it with GraphQL.NET).</summary>
public sealed record GraphQLHttpRequest(
    [property: JsonPropertyName("query"), System.ComponentModel.DataAnnotations.MaxLength(64 * 1024)] string Query,
    [property: JsonPropertyName("operationName"), System.ComponentModel.DataAnnotations.MaxLength(256)] string? OperationName,
    [property: JsonPropertyName("variables")] JsonElement? Variables);

/// <summary>A GraphQL response: <c>data</c> and, when something went wrong, <c>errors</c>.</summary>
public sealed record GraphQLHttpResponse(
    [property: JsonPropertyName("data")] JsonElement? Data,
    [property: JsonPropertyName("errors")] IReadOnlyList<GraphQLHttpError>? Errors);

/// <summary>A GraphQL error: <c>message</c>, <c>locations</c>, <c>path</c>, <c>extensions</c> (<c>code</c>, <c>trace_id</c>…).</summary>
public sealed record GraphQLHttpError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("path")] IReadOnlyList<JsonElement>? Path,
    [property: JsonPropertyName("extensions")] JsonElement? Extensions);
