namespace Finqware.EndToEnd.Tests;

/// <summary>A tenant registered through the public API, with what its client app and its server hold.</summary>
internal sealed record ApiTenant(string ServicerId, string PortalToken, string ClientId, string AppKey, string Secret, string WebhookSecret)
{
    /// <summary>HTTP Basic <c>client_id:client_app_key</c>, as a client app sends it.</summary>
    public AuthenticationHeaderValue ClientApp => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{AppKey}")));

    public AuthenticationHeaderValue Portal => new("Bearer", PortalToken);
}

/// <summary>A servicer signed up through the public API, and its first user's (admin's) portal token.</summary>
internal sealed record ApiServicer(string ServicerId, string PortalToken);

/// <summary>Servicers and tenants made the way a developer makes them: sign up, log in, register a tenant app.</summary>
internal static class ApiTenants
{
    public const string Password = "a long enough passphrase";

    private static int developers;

    public static async Task<ApiTenant> CreateAsync(SystemFixture system, CancellationToken cancel, params string[] skills) =>
        await AddTenantAsync(system, await SignUpAsync(system, cancel), "sandbox", null, skills, cancel);

    /// <summary>A new servicer, signed up, and its first user's portal token.</summary>
    public static async Task<ApiServicer> SignUpAsync(SystemFixture system, CancellationToken cancel)
    {
        var email = $"dev-{Guid.NewGuid():N}@example.com";
        var signUp = await system.Gateway.PostAsJsonAsync("/servicers", new { name = "Edge Fintech", kind = "fintech", email, password = Password }, cancel);
        var servicerId = (await signUp.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(cancel)).GetProperty("servicer_id").GetString()!;
        // Logins are limited per client address (10 a minute): each developer here logs in from an address of its own
        // (TEST-NET-3, through the gateway's trusted hop), so the suite's many sign-ups do not spend one loopback budget.
        using var loginRequest = new HttpRequestMessage(HttpMethod.Post, "/auth/token") { Content = JsonContent.Create(new { email, password = Password }) };
        loginRequest.Headers.Add("X-Forwarded-For", $"203.0.113.{(Interlocked.Increment(ref developers) % 254) + 1}");
        var login = await system.Gateway.SendAsync(loginRequest, cancel);
        return new ApiServicer(servicerId, (await login.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(cancel)).GetProperty("access_token").GetString()!);
    }

    /// <summary>A tenant app of <paramref name="servicer"/> in <paramref name="environment"/>, with a webhook URL or none.</summary>
    public static async Task<ApiTenant> AddTenantAsync(SystemFixture system, ApiServicer servicer, string environment, string? webhookUrl, string[] skills, CancellationToken cancel)
    {
        var body = new Dictionary<string, object> { ["name"] = "Edge app", ["environment"] = environment, ["skills"] = skills };
        if (webhookUrl is not null)
        {
            body["webhook_url"] = webhookUrl;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/servicers/{servicer.ServicerId}/tenants") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", servicer.PortalToken);
        var created = await (await system.Gateway.SendAsync(request, cancel)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(cancel);
        return new ApiTenant(servicer.ServicerId, servicer.PortalToken, created.GetProperty("client_id").GetString()!, created.GetProperty("client_app_key").GetString()!,
            created.GetProperty("client_secret").GetString()!, created.GetProperty("webhook_secret").GetString()!);
    }

    /// <summary>An API token for the tenant's server (<c>POST /oauth/token</c>).</summary>
    public static async Task<AuthenticationHeaderValue> ApiTokenAsync(SystemFixture system, ApiTenant tenant, CancellationToken cancel)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = tenant.ClientId, ["client_secret"] = tenant.Secret,
        });
        var token = await (await system.Gateway.PostAsync("/oauth/token", form, cancel)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(cancel);
        return new AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
    }
}
