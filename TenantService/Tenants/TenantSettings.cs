using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Finqware.TenantService.Tenants;

/// <summary>
/// <c>PATCH /tenants/{client_id}</c> (JSON merge patch, RFC 7396): a field that is present replaces the tenant's value
/// (<c>webhook_url: null</c> removes it); a field that is absent is left as it is.
/// </summary>
public sealed class UpdateTenantRequest
{
    private string? webhookUrl;
    private IReadOnlyList<string>? allowedOrigins;
    private IReadOnlyList<string>? redirectUris;

    /// <summary>An absolute https:// URL (http:// for sandbox tenants); null removes it.</summary>
    [MaxLength(2048)]
    public string? WebhookUrl
    {
        get => webhookUrl;
        set { webhookUrl = value; HasWebhookUrl = true; }
    }

    /// <summary>The origins whose browser apps may call the client routes, as browsers send them: <c>https://app.example.com</c>.</summary>
    [MaxLength(TenantSettings.MaxEntries), ItemsMaxLength(TenantSettings.MaxOriginLength)]
    public IReadOnlyList<string>? AllowedOrigins
    {
        get => allowedOrigins;
        set { allowedOrigins = value; HasAllowedOrigins = true; }
    }

    /// <summary>Where a redirect SCA may send the user back to; a step's <c>redirect_uri</c> must be exactly one of them.</summary>
    [MaxLength(TenantSettings.MaxEntries), ItemsMaxLength(TenantSettings.MaxUriLength)]
    public IReadOnlyList<string>? RedirectUris
    {
        get => redirectUris;
        set { redirectUris = value; HasRedirectUris = true; }
    }

    [JsonIgnore]
    public bool HasWebhookUrl { get; private set; }

    [JsonIgnore]
    public bool HasAllowedOrigins { get; private set; }

    [JsonIgnore]
    public bool HasRedirectUris { get; private set; }
}

/// <summary>The rules of a tenant's browser origins and redirect URIs (the webhook URL's are TenantsApi's).</summary>
public static class TenantSettings
{
    public const int MaxEntries = 20;
    public const int MaxOriginLength = 256;
    public const int MaxUriLength = 2048;

    /// <summary>
    /// The origins normalised as a browser sends <c>Origin</c> (lowercase scheme and host, no default port, no path):
    /// https, or http for a sandbox tenant or for localhost. <c>*</c> and <c>null</c> are refused: an origin is named.
    /// </summary>
    public static List<string> Origins(IReadOnlyList<string>? origins, string environment, Dictionary<string, string[]> errors)
    {
        var result = new List<string>();
        if (origins is null)
        {
            errors["allowed_origins"] = ["A list of origins (may be empty), not null."];
            return result;
        }

        if (origins.Count > MaxEntries)
        {
            errors["allowed_origins"] = [$"At most {MaxEntries} origins."];
            return result;
        }

        for (var i = 0; i < origins.Count; i++)
        {
            var value = origins[i];
            if (value is { Length: > 0 and <= MaxOriginLength } && Uri.TryCreate(value, UriKind.Absolute, out var uri)
                && IsWebScheme(uri, environment) && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0
                && uri.UserInfo.Length == 0 && !value.TrimEnd('/').EndsWith('.') && value.TrimEnd('/').Count(c => c == '/') == 2)
            {
                result.Add(uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant());
            }
            else
            {
                errors[$"allowed_origins[{i}]"] = ["An origin as a browser sends it: https://host or https://host:port, without a path (http:// for sandbox tenants and localhost)."];
            }
        }

        return [.. result.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Absolute https URLs (http for a sandbox tenant or localhost), without a fragment, kept exactly as given.</summary>
    public static List<string> RedirectUris(IReadOnlyList<string>? uris, string environment, Dictionary<string, string[]> errors)
    {
        var result = new List<string>();
        if (uris is null)
        {
            errors["redirect_uris"] = ["A list of URLs (may be empty), not null."];
            return result;
        }

        if (uris.Count > MaxEntries)
        {
            errors["redirect_uris"] = [$"At most {MaxEntries} redirect URIs."];
            return result;
        }

        for (var i = 0; i < uris.Count; i++)
        {
            var value = uris[i];
            if (value is { Length: > 0 and <= MaxUriLength } && Uri.TryCreate(value, UriKind.Absolute, out var uri)
                && IsWebScheme(uri, environment) && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0 && !value.Contains('#'))
            {
                result.Add(value);
            }
            else
            {
                errors[$"redirect_uris[{i}]"] = ["An absolute https:// URL without a fragment (http:// for sandbox tenants and localhost), at most 2048 characters."];
            }
        }

        return [.. result.Distinct(StringComparer.Ordinal)];
    }

    private static bool IsWebScheme(Uri uri, string environment) =>
        uri.Scheme == Uri.UriSchemeHttps
        || (uri.Scheme == Uri.UriSchemeHttp && (environment == "sandbox" || uri.IsLoopback));
}
