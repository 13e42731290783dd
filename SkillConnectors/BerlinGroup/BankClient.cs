using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Finqware.SkillConnectors.BerlinGroup;

/// <summary>The headers of one XS2A request (NextGenPSD2 1.3.11 names them); unset ones are not sent.</summary>
public sealed record BankHeaders
{
    /// <summary><c>X-Request-ID</c> (a UUID, required on every request).</summary>
    public string RequestId { get; init; } = Guid.NewGuid().ToString();

    /// <summary><c>PSU-IP-Address</c>: sent while the user is present; absent on unattended reads (refresh), which the consent's frequencyPerDay counts.</summary>
    public string? PsuIpAddress { get; init; }

    public string? PsuId { get; init; }

    public string? ConsentId { get; init; }

    public string? RedirectUri { get; init; }

    public string? NokRedirectUri { get; init; }

    public bool? RedirectPreferred { get; init; }

    public bool? DecoupledPreferred { get; init; }

    /// <summary>
    /// An X-Request-ID made from the step and the operation, for the requests that create something at the bank: a step run
    /// again (a redelivery) sends the same one, so a bank that recognises repeated requests does not create a second consent
    /// or payment.
    /// </summary>
    public static string StableRequestId(Guid stepId, string operation)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{stepId}|{operation}"))[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }
}

/// <summary>What a bank answered, with the SCA approach it announced (<c>ASPSP-SCA-Approach</c>).</summary>
public sealed record BankAnswer<T>(T Body, string? ScaApproach);

/// <summary>
/// One bank's XS2A interface (NextGenPSD2 1.3.x). Its <see cref="HttpClient"/> carries the client certificate and the standard
/// resilience handler (retries of reads on timeouts, 429 and 5xx, honouring Retry-After; never of POST, PUT or DELETE, which
/// could create a consent or a payment twice). Answers become: a body, <see cref="BankRefusedException"/> (4xx, with the
/// tppMessages' code), <see cref="BankResponseInvalidException"/> (not NextGenPSD2) or <see cref="BankUnavailableException"/>.
/// </summary>
public sealed class BankClient(HttpClient http, string key, BankOptions bank)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Key { get; } = key;

    public BankOptions Options { get; } = bank;

    public Task<BankAnswer<ConsentCreated>> CreateConsentAsync(ConsentRequest request, BankHeaders headers, CancellationToken cancellationToken) =>
        SendAsync<ConsentCreated>(HttpMethod.Post, "/v1/consents", request, headers, HttpStatusCode.Created, cancellationToken);

    /// <summary><c>POST {resource}/authorisations</c>, with a body (<c>psuData</c>) or none.</summary>
    public Task<BankAnswer<ScaResponse>> StartAuthorisationAsync(string resource, object? body, BankHeaders headers, CancellationToken cancellationToken) =>
        SendAsync<ScaResponse>(HttpMethod.Post, $"{resource}/authorisations", body, headers, HttpStatusCode.Created, cancellationToken);

    /// <summary><c>PUT {resource}/authorisations/{authorisationId}</c>: PSU authentication, SCA method selection, the OTP.</summary>
    public Task<BankAnswer<ScaResponse>> UpdatePsuDataAsync(string resource, string authorisationId, object body, BankHeaders headers, CancellationToken cancellationToken) =>
        SendAsync<ScaResponse>(HttpMethod.Put, $"{resource}/authorisations/{Escape(authorisationId)}", body, headers, HttpStatusCode.OK, cancellationToken);

    public async Task<string> ConsentStatusAsync(string consentId, BankHeaders headers, CancellationToken cancellationToken)
    {
        var answer = await SendAsync<ConsentStatusResponse>(HttpMethod.Get, $"{ConsentPath(consentId)}/status", null, headers, HttpStatusCode.OK, cancellationToken);
        return Required(answer.Body.ConsentStatus, "consentStatus");
    }

    public Task DeleteConsentAsync(string consentId, BankHeaders headers, CancellationToken cancellationToken) =>
        SendAsync<JsonElement?>(HttpMethod.Delete, ConsentPath(consentId), null, headers, HttpStatusCode.NoContent, cancellationToken);

    public async Task<IReadOnlyList<AccountDetails>> AccountsAsync(BankHeaders headers, CancellationToken cancellationToken) =>
        (await SendAsync<AccountList>(HttpMethod.Get, "/v1/accounts", null, headers, HttpStatusCode.OK, cancellationToken)).Body.Accounts
            ?? throw new BankResponseInvalidException("The account list has no 'accounts'.");

    public async Task<IReadOnlyList<Balance>> BalancesAsync(string resourceId, BankHeaders headers, CancellationToken cancellationToken) =>
        (await SendAsync<BalancesResponse>(HttpMethod.Get, $"/v1/accounts/{Escape(resourceId)}/balances", null, headers, HttpStatusCode.OK, cancellationToken)).Body.Balances
            ?? throw new BankResponseInvalidException("The balances answer has no 'balances'.");

    /// <summary>
    /// Booked and pending transactions since <paramref name="dateFrom"/> (<c>bookingStatus=both</c>), following <c>_links.next</c>
    /// while it points to this account's transactions, for at most <paramref name="maxPages"/> pages.
    /// </summary>
    public async Task<(List<Transaction> Booked, List<Transaction> Pending)> TransactionsAsync(
        string resourceId, DateOnly dateFrom, int maxPages, Func<BankHeaders> headers, CancellationToken cancellationToken)
    {
        var path = $"/v1/accounts/{Escape(resourceId)}/transactions";
        var next = $"{path}?bookingStatus=both&dateFrom={dateFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";
        var (booked, pending) = (new List<Transaction>(), new List<Transaction>());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 1; next is not null; page++)
        {
            if (page > maxPages || !seen.Add(next))
            {
                throw new BankResponseInvalidException($"The transactions of an account did not end within {maxPages} pages (or a page linked to itself).");
            }

            var answer = (await SendAsync<TransactionsResponse>(HttpMethod.Get, next, null, headers(), HttpStatusCode.OK, cancellationToken)).Body;
            var report = answer.Transactions
                ?? throw new BankResponseInvalidException("The transactions answer has no 'transactions' report (a download link is not supported).");
            booked.AddRange(report.Booked ?? []);
            pending.AddRange(report.Pending ?? []);
            var link = report.Links is not null && report.Links.TryGetValue("next", out var href) ? href?.Href
                : answer.Links is not null && answer.Links.TryGetValue("next", out var outer) ? outer?.Href : null;
            next = link is null ? null : SameResource(link, path);
        }

        return (booked, pending);
    }

    public Task<BankAnswer<PaymentCreated>> InitiatePaymentAsync(PaymentRequest request, BankHeaders headers, CancellationToken cancellationToken) =>
        SendAsync<PaymentCreated>(HttpMethod.Post, $"/v1/payments/{Options.PaymentProduct}", request, headers, HttpStatusCode.Created, cancellationToken);

    public async Task<string> PaymentStatusAsync(string paymentId, BankHeaders headers, CancellationToken cancellationToken)
    {
        var answer = await SendAsync<PaymentStatusResponse>(HttpMethod.Get, $"{PaymentPath(paymentId)}/status", null, headers, HttpStatusCode.OK, cancellationToken);
        return Required(answer.Body.TransactionStatus, "transactionStatus");
    }

    public static string ConsentPath(string consentId) => $"/v1/consents/{Escape(consentId)}";

    public string PaymentPath(string paymentId) => $"/v1/payments/{Options.PaymentProduct}/{Escape(paymentId)}";

    public static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new BankResponseInvalidException($"The bank's answer has no '{field}'.") : value;

    private static string Escape(string id) => Uri.EscapeDataString(id);

    /// <summary>The path and query of <paramref name="link"/> when it is on this bank and under <paramref name="path"/>; else the answer is invalid.</summary>
    private string SameResource(string link, string path)
    {
        var root = Options.BaseUrl!;
        if (!Uri.TryCreate(root, link, out var target) || target.Scheme != root.Scheme || target.Authority != root.Authority)
        {
            throw new BankResponseInvalidException("The transactions' next page link is not on this bank.");
        }

        var basePath = root.AbsolutePath.TrimEnd('/');
        var relative = target.AbsolutePath.StartsWith(basePath + "/", StringComparison.Ordinal) ? target.AbsolutePath[basePath.Length..] : target.AbsolutePath;
        return relative == path
            ? relative + target.Query
            : throw new BankResponseInvalidException("The transactions' next page link points to another resource.");
    }

    private async Task<BankAnswer<T>> SendAsync<T>(
        HttpMethod method, string pathAndQuery, object? body, BankHeaders headers, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(Options.BaseUrl!.ToString().TrimEnd('/') + pathAndQuery));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Add("X-Request-ID", headers.RequestId);
        Add(request, "PSU-IP-Address", headers.PsuIpAddress);
        Add(request, "PSU-ID", headers.PsuId);
        Add(request, "Consent-ID", headers.ConsentId);
        Add(request, "TPP-Redirect-URI", headers.RedirectUri);
        Add(request, "TPP-Nok-Redirect-URI", headers.NokRedirectUri);
        Add(request, "TPP-Redirect-Preferred", headers.RedirectPreferred is { } redirect ? (redirect ? "true" : "false") : null);
        Add(request, "TPP-Decoupled-Preferred", headers.DecoupledPreferred is { } decoupled ? (decoupled ? "true" : "false") : null);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, body.GetType(), Json), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException)
        {
            throw new BankUnavailableException($"Bank {Key} did not answer {method} {Shape(pathAndQuery)}: {ex.Message}", ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status == 429 || status >= 500)
            {
                throw new BankUnavailableException($"Bank {Key} answered {status} to {method} {Shape(pathAndQuery)}.");
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (status >= 400)
            {
                var (code, message) = BankCodes.FromTppMessages(status, TryParse<ErrorBody>(text)?.TppMessages);
                throw new BankRefusedException(status, code, message);
            }

            if (response.StatusCode != expected && !(expected == HttpStatusCode.Created && response.StatusCode == HttpStatusCode.OK)
                && !(expected == HttpStatusCode.NoContent && response.IsSuccessStatusCode))
            {
                throw new BankResponseInvalidException($"Bank {Key} answered {status} to {method} {Shape(pathAndQuery)} (NextGenPSD2 says {(int)expected}).");
            }

            var approach = response.Headers.TryGetValues("ASPSP-SCA-Approach", out var values) ? values.FirstOrDefault() : null;
            if (typeof(T) == typeof(JsonElement?))
            {
                return new BankAnswer<T>(default!, approach);
            }

            try
            {
                var parsed = JsonSerializer.Deserialize<T>(text, Json) ?? throw new JsonException("null");
                return new BankAnswer<T>(parsed, approach);
            }
            catch (JsonException ex)
            {
                throw new BankResponseInvalidException($"Bank {Key} answered {method} {Shape(pathAndQuery)} with a body that is not NextGenPSD2 JSON.", ex);
            }
        }
    }

    private static T? TryParse<T>(string text) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The path without ids, for messages and logs (ids of consents and payments are the user's).</summary>
    private static string Shape(string pathAndQuery) => pathAndQuery.Split('?')[0].Split('/') is var parts && parts.Length > 3
        ? string.Join('/', parts.Take(3)) + "/…"
        : pathAndQuery.Split('?')[0];

    private static void Add(HttpRequestMessage request, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }
}
