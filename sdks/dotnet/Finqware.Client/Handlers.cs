using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Finqware.Client;

/// <summary>An <c>Idempotency-Key</c> (a new UUID) on every unsafe request that has none: a retried request is done once.</summary>
public sealed class IdempotencyKeyHandler : DelegatingHandler
{
    public const string Header = "Idempotency-Key";

    /// <summary>Token requests and GraphQL are not resources: they take no key.</summary>
    private static readonly string[] Exempt = ["/oauth/token", "/auth/token", "/graphql"];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var unsafeMethod = request.Method == HttpMethod.Post || request.Method == HttpMethod.Put || request.Method == HttpMethod.Patch || request.Method == HttpMethod.Delete;
        if (unsafeMethod && !request.Headers.Contains(Header) && !Exempt.Contains(request.RequestUri?.AbsolutePath, StringComparer.Ordinal))
        {
            request.Headers.Add(Header, Guid.NewGuid().ToString());
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>
/// Retries an answer of <c>429</c> or <c>503</c> after its <c>Retry-After</c> (seconds or a date; 1 s when absent, at most
/// <paramref name="maxDelay"/>), <paramref name="maxRetries"/> times at most, resending the same request (same key).
/// </summary>
public sealed class RetryAfterHandler(int maxRetries, TimeSpan maxDelay, TimeProvider clock) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        for (var attempt = 0; ; attempt++)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (attempt >= maxRetries || response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
            {
                return response;
            }

            var retryAfter = response.Headers.RetryAfter;
            var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - clock.GetUtcNow() : TimeSpan.FromSeconds(1));
            response.Dispose();
            await Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > maxDelay ? maxDelay : wait, clock, cancellationToken);
        }
    }
}

/// <summary>The same <c>Authorization</c> on every request (a client app key or a portal token), or none.</summary>
public sealed class StaticAuthorizationHandler(string? authorization) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (authorization is not null && request.Headers.Authorization is null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

internal static class BasicAuthorization
{
    /// <summary>RFC 7617 Basic credentials; the parts are form-encoded first, as RFC 6749 §2.3.1 asks of client credentials.</summary>
    public static string Header(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(user) + ":" + Uri.EscapeDataString(password)));
}

/// <summary>
/// A tenant server's API token (OAuth 2.0 client credentials at <c>POST /oauth/token</c>, HTTP Basic), fetched when first
/// needed, reused until a minute before it expires, and renewed once when an answer says it is no longer valid (a rotated
/// secret, a restarted key store).
/// </summary>
public sealed class ClientCredentialsHandler(Uri tokenUrl, string clientId, string clientSecret, HttpMessageHandler transport, TimeProvider clock) : DelegatingHandler
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(1);
    private readonly HttpMessageInvoker tokens = new(transport, disposeHandler: false);
    private readonly SemaphoreSlim gate = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? current;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await TokenAsync(null, cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var renewed = await TokenAsync(token, cancellationToken);
        if (renewed == token)
        {
            return response;
        }

        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", renewed);
        return await base.SendAsync(request, cancellationToken);
    }

    /// <summary>The cached token, or a new one when there is none, it is due, or it is <paramref name="refused"/>.</summary>
    private async Task<string> TokenAsync(string? refused, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (current is { } cached && cached.Token != refused && clock.GetUtcNow() < cached.RenewAt)
            {
                return cached.Token;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, tokenUrl)
            {
                Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials")]),
            };
            request.Headers.TryAddWithoutValidation("Authorization", BasicAuthorization.Header(clientId, clientSecret));
            using var response = await tokens.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new FinqwareAuthenticationException((int)response.StatusCode, body);
            }

            using var json = JsonDocument.Parse(body);
            var token = json.RootElement.GetProperty("access_token").GetString()!;
            var lifetime = TimeSpan.FromSeconds(json.RootElement.GetProperty("expires_in").GetInt32());
            current = (token, clock.GetUtcNow() + (lifetime > RenewBefore * 2 ? lifetime - RenewBefore : lifetime / 2));
            return token;
        }
        finally
        {
            gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            tokens.Dispose();
            gate.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>The token endpoint refused the client credentials (RFC 6749 §5.2 <c>error</c> in <see cref="Body"/>).</summary>
public sealed class FinqwareAuthenticationException(int status, string body)
    : Exception($"POST /oauth/token answered {status}: {body}")
{
    public int Status { get; } = status;

    public string Body { get; } = body;
}
