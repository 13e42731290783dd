using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Finqware.Portal.Api;

/// <summary>
/// The public API, called through the gateway as a tenant developer's own tools call it: JSON in snake_case, a bearer
/// token when the page has one, and the browser's address in <c>X-Forwarded-For</c> so that the gateway's and
/// TenantService's limits per address count each person, not the portal (the gateway trusts it from loopback and its
/// trusted proxies only, docs/api-conventions.md). Never retried: a page shows what the API answered.
/// </summary>
public sealed class GatewayApi(HttpClient http, IHttpContextAccessor accessor)
{
    public const string ClientName = "gateway";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
    };

    public Task<ApiAnswer> GetAsync(string path, string? token, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, token, cancellationToken);

    public Task<ApiAnswer> SendAsync(HttpMethod method, string path, object? body, string? token, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: Json) }, token, cancellationToken);

    public async Task<ApiAnswer> SendAsync(HttpRequestMessage request, string? token, CancellationToken cancellationToken)
    {
        using (request)
        {
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (accessor.HttpContext?.Connection.RemoteIpAddress is { } address)
            {
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", address.ToString());
            }

            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var json = default(JsonElement);
            if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType is { } type && type.Contains("json", StringComparison.Ordinal))
            {
                json = JsonDocument.Parse(text).RootElement.Clone();
            }

            var retryAfter = response.Headers.RetryAfter?.Delta;
            return new ApiAnswer((int)response.StatusCode, json, text, retryAfter, response.Content.Headers.ContentType?.MediaType);
        }
    }
}

/// <summary>What the API answered: the status, the JSON body (undefined when there was none) and, for a refusal, its problem.</summary>
public sealed record ApiAnswer(int Status, JsonElement Body, string Text, TimeSpan? RetryAfter, string? MediaType)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public ApiProblem? Problem => IsSuccess ? null : ApiProblem.From(this);
}

/// <summary>An RFC 9457 problem the API answered, as a page shows it: what happened, its code, and each field it names.</summary>
public sealed record ApiProblem(int Status, string Title, string? Detail, string? Code, IReadOnlyDictionary<string, string[]> Errors, TimeSpan? RetryAfter)
{
    public static ApiProblem From(ApiAnswer answer)
    {
        var body = answer.Body;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in fields.EnumerateObject())
            {
                errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                    ? [.. field.Value.EnumerateArray().Select(m => m.ToString())]
                    : [field.Value.ToString()];
            }
        }

        return new ApiProblem(
            answer.Status,
            body.Str("title") ?? body.Str("error") ?? $"The API answered {answer.Status}.",
            body.Str("detail") ?? body.Str("error_description"),
            body.Str("code"),
            errors,
            answer.RetryAfter);
    }
}

/// <summary>Reading the API's JSON in pages without ceremony.</summary>
public static class JsonReading
{
    public static string? Str(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => value.GetRawText(),
            }
            : null;

    public static JsonElement Prop(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static IEnumerable<JsonElement> Items(this JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray() : [];

    public static IEnumerable<JsonElement> Items(this JsonElement element, string name) => element.Prop(name).Items();

    public static string Pretty(this JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? "" : JsonSerializer.Serialize(element, Indented);

    // Razor encodes the text it writes: the relaxed encoder keeps "+" and quotes readable in it.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
