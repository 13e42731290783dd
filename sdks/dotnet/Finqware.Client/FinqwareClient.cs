using Finqware.Client.Generated;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;

namespace Finqware.Client;

/// <summary>Settings of a Finqware client.</summary>
public sealed class FinqwareClientOptions
{
    /// <summary>The handler that sends the requests (tests, proxies); by default a new <see cref="HttpClientHandler"/>.</summary>
    public HttpMessageHandler? InnerHandler { get; set; }

    /// <summary>How often a <c>429</c> or <c>503</c> answer is retried, each time after its <c>Retry-After</c>.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The longest wait between two tries, whatever <c>Retry-After</c> says.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeProvider Clock { get; set; } = TimeProvider.System;
}

/// <summary>
/// Builds the Kiota-generated <see cref="FinqwareApiClient"/> for each kind of caller. Every client sends an
/// <c>Idempotency-Key</c> with each unsafe request (kept across its retries), retries <c>429</c> and <c>503</c> after
/// <c>Retry-After</c>, and throws <see cref="Generated.Models.Problem"/> (with <c>Code</c> and
/// <c>TraceId</c>) for a problem answer.
/// </summary>
public static class FinqwareClient
{
    /// <summary>A tenant's server: API tokens from <c>POST /oauth/token</c> with the client secret, cached and renewed.</summary>
    public static FinqwareApiClient ForServer(Uri baseUrl, string clientId, string clientSecret, FinqwareClientOptions? options = null)
    {
        options ??= new FinqwareClientOptions();
        var inner = options.InnerHandler ?? new HttpClientHandler();
        return Create(baseUrl, options, inner, new ClientCredentialsHandler(new Uri(baseUrl, "oauth/token"), clientId, clientSecret, inner, options.Clock));
    }

    /// <summary>
    /// A tenant's client app: HTTP Basic <c>client_id:client_app_key</c> on the reads it may make (its sessions' statuses,
    /// cancel). <c>POST /sessions</c> takes the same pair in its body, and a step its session's nonce.
    /// </summary>
    public static FinqwareApiClient ForClientApp(Uri baseUrl, string clientId, string clientAppKey, FinqwareClientOptions? options = null) =>
        WithAuthorization(baseUrl, BasicAuthorization.Header(clientId, clientAppKey), options);

    /// <summary>A servicer's developer: a portal token from <c>POST /auth/token</c>.</summary>
    public static FinqwareApiClient ForPortal(Uri baseUrl, string portalToken, FinqwareClientOptions? options = null) =>
        WithAuthorization(baseUrl, "Bearer " + portalToken, options);

    /// <summary>No credentials: the catalog, sign-up and login.</summary>
    public static FinqwareApiClient Anonymous(Uri baseUrl, FinqwareClientOptions? options = null) => WithAuthorization(baseUrl, null, options);

    private static FinqwareApiClient WithAuthorization(Uri baseUrl, string? authorization, FinqwareClientOptions? options)
    {
        options ??= new FinqwareClientOptions();
        return Create(baseUrl, options, options.InnerHandler ?? new HttpClientHandler(), new StaticAuthorizationHandler(authorization));
    }

    private static FinqwareApiClient Create(Uri baseUrl, FinqwareClientOptions options, HttpMessageHandler inner, DelegatingHandler authorization)
    {
        // Outermost first: the idempotency key is set once, so every retry (and a renewed token) sends the same key. Kiota's
        // own retry handler is left out: it retried no 503 in our tests (a JSON body counts as unbuffered for it).
        var handlers = new List<DelegatingHandler> { new IdempotencyKeyHandler(), new RetryAfterHandler(options.MaxRetries, options.MaxRetryDelay, options.Clock) };
        handlers.AddRange(KiotaClientFactory.CreateDefaultHandlers().Where(h => h is not RetryHandler));
        handlers.Add(authorization);
        var first = KiotaClientFactory.ChainHandlersCollectionAndGetFirstLink(inner, [.. handlers])!;
        var http = new HttpClient(first) { BaseAddress = baseUrl };
        var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http)
        {
            BaseUrl = baseUrl.ToString().TrimEnd('/'),
        };
        return new FinqwareApiClient(adapter);
    }
}
