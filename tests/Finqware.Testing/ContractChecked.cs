using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Finqware.AppHost.Hosting;
using NJsonSchema;

namespace Finqware.Testing;

/// <summary>
/// HTTP clients of the gateway whose every answer is checked against the public contract, <c>sdks/openapi.json</c> (the
/// committed copy of the gateway's <c>/openapi/v1.json</c>; PublicContractTests keeps the two equal): the status must be
/// declared for the operation, with the content type it came with, and the body must be valid against its schema
/// (for a problem, the <c>code</c> must be one the operation declares for that status). A drift throws
/// <see cref="ContractViolationException"/> in the test that met it. Paths the document does not describe (health, the
/// sandbox bank's pages, unknown routes) are not checked.
/// </summary>
public static class ContractChecked
{
    private static readonly Lazy<OpenApiContract> Contract = new(() => OpenApiContract.Load(
        Path.Combine(FinqwareHostOptions.FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException("Finqware.sln not found above the test assembly."), "sdks", "openapi.json")));

    /// <summary>A client of <paramref name="baseAddress"/> (the gateway) that checks every answer.</summary>
    public static HttpClient Client(Uri baseAddress) =>
        new(new ContractCheckingHandler(Contract.Value) { InnerHandler = new HttpClientHandler() }) { BaseAddress = baseAddress };

    /// <summary>The handler alone, to put under another client (an SDK's).</summary>
    public static DelegatingHandler Handler(HttpMessageHandler inner) => new ContractCheckingHandler(Contract.Value) { InnerHandler = inner };

    /// <summary>The contract the clients check against.</summary>
    public static OpenApiContract Document => Contract.Value;
}

public sealed class ContractViolationException(string message) : Exception(message);

internal sealed class ContractCheckingHandler(OpenApiContract contract) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await contract.CheckAsync(request, response, cancellationToken);
        return response;
    }
}

/// <summary>The public OpenAPI document, read for checking answers: operations by method and path, response schemas compiled once.</summary>
public sealed class OpenApiContract
{
    private readonly JsonObject document;
    private readonly List<(Regex Pattern, int Literals, string Template)> paths;
    private readonly ConcurrentDictionary<string, Task<JsonSchema>> schemas = new(StringComparer.Ordinal);

    private OpenApiContract(JsonObject document)
    {
        this.document = document;
        paths = [.. document["paths"]!.AsObject()
            .Select(p => (new Regex("^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^/]+?}", "[^/]+") + "$"), p.Key.Split('/').Count(s => s.Length > 0 && s[0] != '{'), p.Key))
            .OrderByDescending(p => p.Item2)];
    }

    public static OpenApiContract Load(string path) => new(JsonNode.Parse(File.ReadAllText(path))!.AsObject());

    public JsonObject Document => document;

    /// <summary>The operation of <paramref name="method"/> on <paramref name="path"/> (as requested, escaped), or null.</summary>
    public (string Template, JsonObject? Operation)? Find(string method, string path)
    {
        foreach (var (pattern, _, template) in paths)
        {
            if (pattern.IsMatch(path))
            {
                return (template, document["paths"]![template]![method.ToLowerInvariant()] as JsonObject);
            }
        }

        return null;
    }

    public async Task CheckAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (request.RequestUri is not { } uri || Find(request.Method.Method, uri.AbsolutePath) is not { } found)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var where = $"{request.Method} {uri.AbsolutePath} ({found.Template}) answered {status}";
        if (found.Operation is null)
        {
            // A method the path does not have: the framework's 405 (or 404 for a path the route constraint refuses).
            if (status is not (405 or 404))
            {
                throw new ContractViolationException($"{where}, but the document has no {request.Method} operation there.");
            }

            return;
        }

        var responses = found.Operation["responses"]!.AsObject();
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (responses[key] is not JsonObject declared)
        {
            throw new ContractViolationException($"{where}: status not declared (declared: {string.Join(", ", responses.Select(r => r.Key))}).");
        }

        var content = declared["content"] as JsonObject;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (content is null || content.Count == 0)
        {
            return;
        }

        if (mediaType is null || content[mediaType] is not JsonObject media)
        {
            // A body the document describes must come with one of its content types.
            if (response.Content.Headers.ContentLength is 0 && mediaType is null)
            {
                throw new ContractViolationException($"{where} with an empty body; the document declares {string.Join(", ", content.Select(c => c.Key))}.");
            }

            throw new ContractViolationException($"{where} as {mediaType ?? "(no content type)"}; the document declares {string.Join(", ", content.Select(c => c.Key))}.");
        }

        if (media["schema"] is not JsonObject schemaNode || !mediaType.EndsWith("json", StringComparison.Ordinal))
        {
            return;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var schema = await schemas.GetOrAdd($"{request.Method} {found.Template} {key} {mediaType}", _ => Compile(schemaNode));
        var errors = schema.Validate(body);
        if (errors.Count > 0)
        {
            throw new ContractViolationException($"{where}: the body does not match its schema: "
                + string.Join("; ", errors.Take(5).Select(e => $"{e.Path} {e.Kind}")) + $"\n{(body.Length > 2000 ? body[..2000] + "…" : body)}");
        }
    }

    /// <summary>
    /// A JSON Schema NJsonSchema reads: the document's schemas as definitions, <c>$ref</c>s pointing there, and a <c>$ref</c>
    /// with sibling keywords (OpenAPI 3.1) as <c>allOf</c>, which is what those siblings mean.
    /// </summary>
    private Task<JsonSchema> Compile(JsonObject schema)
    {
        var root = new JsonObject
        {
            ["allOf"] = new JsonArray(Rewrite(schema.DeepClone())),
            ["definitions"] = Rewrite(document["components"]!["schemas"]!.DeepClone()),
        };
        return JsonSchema.FromJsonAsync(root.ToJsonString());
    }

    private static JsonNode? Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    obj[name] = Rewrite(child?.DeepClone());
                }

                if (obj["$ref"] is JsonValue reference)
                {
                    var target = reference.GetValue<string>().Replace("#/components/schemas/", "#/definitions/", StringComparison.Ordinal);
                    obj.Remove("$ref");
                    if (obj.Count == 0)
                    {
                        return new JsonObject { ["$ref"] = target };
                    }

                    var siblings = new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
                    return new JsonObject { ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = target }, siblings) };
                }

                return obj;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => Rewrite(item?.DeepClone()))]);
            default:
                return node;
        }
    }
}
