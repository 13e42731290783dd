using System.Text;
using System.Text.Json;
using Finqware.ServiceDefaults.Tokens;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Finqware.Gateway.Edge;

/// <summary>
/// Tells who a request on the public API is for (<see cref="EdgeCaller"/>):
/// <list type="bullet">
/// <item>a bearer token that validates (TenantService's keys, cached): an API token is its tenant on server routes, a portal
/// token its user on management routes;</item>
/// <item>HTTP Basic (a client app's <c>client_id:client_app_key</c>): the client_id;</item>
/// <item>no credential header on the three routes whose body names the tenant (open, submit, upload): the body's
/// <c>client_id</c>, read from the first 64 KB of a JSON body or from the form fields before the file of an upload, then
/// handed on unchanged;</item>
/// <item>anything else (none, forged, expired, token requests): the client's address, from <c>X-Forwarded-For</c> only when
/// the hop is a trusted proxy (<c>ForwardedHeaders__TrustedProxies</c>).</item>
/// </list>
/// The edge never decides access: a client_id it reads is only a name for a budget and for CORS; the service behind checks
/// the credential. Reading never fails a request: what cannot be read counts as anonymous.
/// </summary>
public sealed class EdgeCallers(JwksTokenValidator tokens)
{
    public const string ApiAudience = "finqware-api";
    public const string PortalAudience = "finqware-portal";

    private const int MaxPeekBytes = 64 * 1024;
    private const int MaxClientIdLength = 64;

    public async Task<EdgeCaller> IdentifyAsync(HttpContext context)
    {
        var request = context.Request;
        var anonymous = new EdgeCaller(RouteClasses.Anonymous, "addr:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), null);
        if (EdgeRoutes.IsTokenRequest(request.Path))
        {
            return anonymous;
        }

        if (System.Net.Http.Headers.AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var authorization) && authorization.Parameter is { Length: > 0 } parameter)
        {
            if (authorization.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            {
                var token = await tokens.ValidateAsync(parameter, context.RequestAborted);
                return token switch
                {
                    { Audience: ApiAudience } when token.Claim("client_id") is { } clientId => new EdgeCaller(RouteClasses.Server, "tenant:" + clientId, null),
                    { Audience: PortalAudience } when token.Claim("sub") is { } user => new EdgeCaller(RouteClasses.Management, "user:" + user, null),
                    _ => anonymous,
                };
            }

            if (authorization.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && BasicUser(parameter) is { } basicClient)
            {
                return new EdgeCaller(RouteClasses.Client, "tenant:" + basicClient, basicClient);
            }

            return anonymous;
        }

        if (EdgeRoutes.HasClientIdInBody(request.Method, request.Path) && await BodyClientIdAsync(request) is { } bodyClient)
        {
            return new EdgeCaller(RouteClasses.Client, "tenant:" + bodyClient, bodyClient);
        }

        return anonymous;
    }

    private static string? BasicUser(string parameter)
    {
        if (parameter.Length > 1024)
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parameter));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 ? Plausible(decoded[..colon]) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The body's client_id, the body left readable from its start for the service behind.</summary>
    private static async Task<string?> BodyClientIdAsync(HttpRequest request)
    {
        if (request.ContentLength is 0)
        {
            return null;
        }

        request.EnableBuffering(bufferThreshold: MaxPeekBytes);
        try
        {
            if (request.HasJsonContentType())
            {
                return await JsonClientIdAsync(request.Body, request.HttpContext.RequestAborted);
            }

            if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
                && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
                && HeaderUtilities.RemoveQuotes(type.Boundary).Value is { Length: > 0 and <= 200 })
            {
                return await FormClientIdAsync(request.Body, HeaderUtilities.RemoveQuotes(type.Boundary).Value!, request.HttpContext.RequestAborted);
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or BadHttpRequestException or JsonException or DecoderFallbackException)
        {
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    private static async Task<string?> JsonClientIdAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxPeekBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        var reader = new Utf8JsonReader(buffer.AsSpan(0, length), isFinalBlock: length < buffer.Length, state: default);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return null;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var isClientId = reader.ValueTextEquals("client_id");
            if (!reader.Read())
            {
                return null;
            }

            if (isClientId)
            {
                return reader.TokenType == JsonTokenType.String ? Plausible(reader.GetString()) : null;
            }

            // Skip a value at the top level (objects and arrays whole).
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
            {
                return null;
            }
        }

        return null;
    }

    private static async Task<string?> FormClientIdAsync(Stream body, string boundary, CancellationToken cancellationToken)
    {
        var reader = new MultipartReader(boundary, body) { HeadersLengthLimit = 8 * 1024 };
        for (var sections = 0; sections < 8 && await reader.ReadNextSectionAsync(cancellationToken) is { } section; sections++)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.FileName.HasValue || disposition.FileNameStar.HasValue)
            {
                return null;
            }

            if (HeaderUtilities.RemoveQuotes(disposition.Name).Equals("client_id", StringComparison.Ordinal))
            {
                using var value = new StreamReader(section.Body, Encoding.UTF8);
                var buffer = new char[MaxClientIdLength + 1];
                var length = await value.ReadBlockAsync(buffer, cancellationToken);
                return Plausible(new string(buffer, 0, length));
            }
        }

        return null;
    }

    /// <summary>A client_id as TenantService hands them out (short, printable), else null: garbage counts as anonymous.</summary>
    private static string? Plausible(string? clientId) =>
        clientId is { Length: > 0 and <= MaxClientIdLength } && clientId.All(c => c is > ' ' and < '\u007f') ? clientId : null;
}
