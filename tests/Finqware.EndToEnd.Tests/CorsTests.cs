using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Finqware.Testing;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// CORS through the gateway (docs/api-conventions.md#cors): a browser app of a registered origin calls the client routes,
/// another origin is refused before any service sees the request, server and management routes allow no other origin;
/// a tenant's origins, redirect URIs and webhook URL are changed with PATCH and the change works in the next request.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class CorsTests(SystemFixture system)
{
    private const string Echo = "example_echo_sbx_#1.0";
    private const string App = "https://wallet.example.com";
    private const string Other = "https://evil.example.net";

    private CancellationToken Cancel => TestContext.Current.CancellationToken;


    [Fact]
    public async Task A_registered_origin_calls_the_client_routes_and_no_other_origin_does()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel, Echo);

        // Registered with PATCH (merge patch: only the fields sent change), in the form browsers send Origin.
        var patched = await PatchAsync(tenant, new { allowed_origins = new[] { "HTTPS://Wallet.Example.com:443/" }, redirect_uris = new[] { "https://wallet.example.com/back" } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var body = await patched.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal([App], body.GetProperty("allowed_origins").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(["https://wallet.example.com/back"], body.GetProperty("redirect_uris").EnumerateArray().Select(o => o.GetString()));
        Assert.False(body.TryGetProperty("webhook_url", out var none) && none.ValueKind != JsonValueKind.Null);
        var webhook = await (await PatchAsync(tenant, new { webhook_url = "https://wallet.example.com/hooks" })).Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("https://wallet.example.com/hooks", webhook.GetProperty("webhook_url").GetString());
        Assert.Equal([App], webhook.GetProperty("allowed_origins").EnumerateArray().Select(o => o.GetString()));
        await Problems.AssertAsync(await PatchAsync(tenant, new { allowed_origins = new[] { "*" } }), HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED", Cancel);
        await Problems.AssertAsync(await PatchAsync(tenant, new { redirect_uris = new[] { "https://x.example/#frag" } }), HttpStatusCode.UnprocessableEntity, "VALIDATION_FAILED", Cancel);

        // The preflight of a client route, then the request itself: allowed for the registered origin, at once.
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/sessions");
        preflight.Headers.Add("Origin", App);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type, idempotency-key");
        var allowed = await PreflightAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(App, Header(allowed, "Access-Control-Allow-Origin"));
        Assert.Contains("Idempotency-Key", Header(allowed, "Access-Control-Allow-Headers"), StringComparison.Ordinal);

        var opened = await SendAsync(HttpMethod.Post, "/sessions", App, JsonContent.Create(new { client_id = tenant.ClientId, client_app_key = tenant.AppKey, skill = Echo }));
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        Assert.Equal(App, Header(opened, "Access-Control-Allow-Origin"));
        Assert.Contains("RateLimit", Header(opened, "Access-Control-Expose-Headers"), StringComparison.Ordinal);
        var sessionId = (await opened.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("session_id").GetString();
        using var read = new HttpRequestMessage(HttpMethod.Get, $"/sessions/{sessionId}");
        read.Headers.Add("Origin", App);
        read.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{tenant.ClientId}:{tenant.AppKey}")));
        var own = await system.Gateway.SendAsync(read, Cancel);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(App, Header(own, "Access-Control-Allow-Origin"));

        // Another origin naming this tenant: refused at the gateway, and it may read why.
        var refused = await SendAsync(HttpMethod.Post, "/sessions", Other, JsonContent.Create(new { client_id = tenant.ClientId, client_app_key = tenant.AppKey, skill = Echo }));
        await Problems.AssertAsync(refused, HttpStatusCode.Forbidden, "ORIGIN_NOT_ALLOWED", Cancel);
        Assert.Equal(Other, Header(refused, "Access-Control-Allow-Origin"));

        // An origin added with PATCH works in the very next request.
        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(tenant, new { allowed_origins = new[] { App, Other } })).StatusCode);
        var now = await SendAsync(HttpMethod.Post, "/sessions", Other, JsonContent.Create(new { client_id = tenant.ClientId, client_app_key = tenant.AppKey, skill = Echo }));
        Assert.Equal(HttpStatusCode.Created, now.StatusCode);
        Assert.Equal(Other, Header(now, "Access-Control-Allow-Origin"));

        // The catalog is public: any origin reads it.
        var catalog = await SendAsync(HttpMethod.Get, "/skills", Other);
        Assert.Equal(HttpStatusCode.OK, catalog.StatusCode);
        Assert.Equal("*", Header(catalog, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Server_and_management_routes_allow_no_other_origin()
    {
        var tenant = await ApiTenants.CreateAsync(system, Cancel, Echo);
        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(tenant, new { allowed_origins = new[] { App } })).StatusCode);
        var token = await ApiTenants.ApiTokenAsync(system, tenant, Cancel);

        foreach (var (method, path) in new[] { ("GET", "/connections"), ("GET", "/tenants/me"), ("PATCH", $"/tenants/{tenant.ClientId}"), ("POST", "/oauth/token") })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
            preflight.Headers.Add("Origin", App);
            preflight.Headers.Add("Access-Control-Request-Method", method);
            var answer = await PreflightAsync(preflight);
            await Problems.AssertAsync(answer, HttpStatusCode.Forbidden, "ORIGIN_NOT_ALLOWED", Cancel);
            Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"), path);
        }

        using var me = new HttpRequestMessage(HttpMethod.Get, "/tenants/me");
        me.Headers.Add("Origin", App);
        me.Headers.Authorization = token;
        var server = await system.Gateway.SendAsync(me, Cancel);
        Assert.Equal(HttpStatusCode.OK, server.StatusCode);
        Assert.False(server.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private async Task<HttpResponseMessage> PatchAsync(ApiTenant tenant, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/tenants/{tenant.ClientId}") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = tenant.Portal;
        return await system.Gateway.SendAsync(request, Cancel);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string origin, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("Origin", origin);
        return await system.Gateway.SendAsync(request, Cancel);
    }

    /// <summary>Preflights are the browser's, not operations of the API document: sent without the contract check.</summary>
    private async Task<HttpResponseMessage> PreflightAsync(HttpRequestMessage preflight)
    {
        using var browser = new HttpClient { BaseAddress = system.Gateway.BaseAddress };
        return await browser.SendAsync(preflight, Cancel);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";
}
