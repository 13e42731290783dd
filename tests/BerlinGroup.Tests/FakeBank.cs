namespace Finqware.SkillConnectors.BerlinGroup.Tests;

/// <summary>A bank whose answers the test writes: <c>(method, path and query, body) → (status, json)</c>; every request is kept.</summary>
public sealed class FakeBank(Func<FakeRequest, (int Status, string Json)> answer) : HttpMessageHandler
{
    public static readonly Uri BaseUrl = new("https://bank.test/psd2");

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var seen = new FakeRequest(
            request.Method.Method, request.RequestUri!.PathAndQuery.Replace("/psd2", "", StringComparison.Ordinal), body,
            request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase));
        Requests.Enqueue(seen);
        var (status, json) = answer(seen);
        return new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }
}

public sealed record FakeRequest(string Method, string Path, string? Body, IReadOnlyDictionary<string, string> Headers)
{
    public string Route => $"{Method} {Path.Split('?')[0]}";

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
