namespace Finqware.EndToEnd.Tests;

/// <summary>
/// The gateway's edge on the running system (docs/api-conventions.md): a tenant's budget with the RateLimit headers and a
/// 429 once it is spent, and the client's address carried from a trusted proxy to TenantService's limits per address.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class EdgeTests(SystemFixture system)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_tenants_client_app_has_a_budget_the_answers_count_down_and_past_it_a_429_with_retry_after()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel);
        var other = await ApiTenants.CreateAsync(system, Cancel);
        var unknownSession = $"/sessions/{Guid.NewGuid()}";

        var first = await GetAsync(unknownSession, tenant);
        await Problems.AssertAsync(first, HttpStatusCode.NotFound, "SESSION_NOT_FOUND", Cancel);
        var policy = first.Headers.GetValues("RateLimit-Policy").Single();
        var budget = int.Parse(System.Text.RegularExpressions.Regex.Match(policy, "^\"client\";q=([0-9]+);w=60$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var remaining = Remaining(first);
        Assert.InRange(remaining, 0, budget - 1);

        HttpResponseMessage answer;
        do
        {
            answer = await GetAsync(unknownSession, tenant);
            if (answer.StatusCode == HttpStatusCode.NotFound)
            {
                // A window may end meanwhile (windows follow the clock): then the count starts again from the budget.
                var now = Remaining(answer);
                Assert.True(now < remaining || now == budget - 1, $"r={now} after r={remaining}");
                remaining = now;
            }
        }
        while (answer.StatusCode == HttpStatusCode.NotFound);

        await Problems.AssertAsync(answer, HttpStatusCode.TooManyRequests, "RATE_LIMITED", Cancel);
        Assert.Equal(0, Remaining(answer));
        Assert.InRange(answer.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);

        // Another tenant is not slowed down by this one.
        await Problems.AssertAsync(await GetAsync(unknownSession, other), HttpStatusCode.NotFound, "SESSION_NOT_FOUND", Cancel);
    }

    [Fact]
    public async Task Tenant_services_login_limit_counts_each_client_address_the_gateway_was_given_by_a_trusted_proxy()
    {
        var email = $"nobody-{Guid.NewGuid():N}@example.com";
        async Task<HttpResponseMessage> LoginAsync(string address)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/token") { Content = JsonContent.Create(new { email, password = "wrong password, long" }) };
            request.Headers.Add("X-Forwarded-For", address);
            return await system.Gateway.SendAsync(request, Cancel);
        }

        // TenantService allows 10 logins a minute per address (RateLimits__LoginPermits): the 11th from one address is refused...
        HttpResponseMessage last = null!;
        for (var i = 0; i < 11; i++)
        {
            last = await LoginAsync("198.51.100.23");
        }

        await Problems.AssertAsync(last, HttpStatusCode.TooManyRequests, "RATE_LIMITED", Cancel);
        // ...and another address behind the same gateway is not.
        await Problems.AssertAsync(await LoginAsync("198.51.100.24"), HttpStatusCode.Unauthorized, "INVALID_CREDENTIALS", Cancel);
    }

    private async Task<HttpResponseMessage> GetAsync(string path, ApiTenant tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = tenant.ClientApp;
        return await system.Gateway.SendAsync(request, Cancel);
    }

    private static int Remaining(HttpResponseMessage answer) => int.Parse(
        System.Text.RegularExpressions.Regex.Match(answer.Headers.GetValues("RateLimit").Single(), "^\"client\";r=([0-9]+);t=[0-9]+$").Groups[1].Value,
        System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Problem documents as the API answers them.</summary>
internal static class Problems
{
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string code, CancellationToken cancel)
    {
        var body = await response.Content.ReadAsStringAsync(cancel);
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }
}
