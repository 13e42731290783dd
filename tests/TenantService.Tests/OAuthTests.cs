using Finqware.TenantService.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Finqware.TenantService.Tests;

public sealed class OAuthTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private TenantServiceHost host = null!;

    public async ValueTask InitializeAsync() => host = await TenantServiceHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    private async Task<(string ServicerId, string PortalToken, string ClientId, string Secret)> TenantAsync()
    {
        var (servicer, token) = await host.NewServicerAsync();
        var tenant = await host.NewTenantAsync(servicer, token, "xyz_aisp_sbx_#1.0");
        return (servicer, token, tenant.GetProperty("client_id").GetString()!, tenant.GetProperty("client_secret").GetString()!);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Client_credentials_give_a_15_minute_jwt_that_validates_against_the_jwks(bool basic)
    {
        var (servicer, _, clientId, secret) = await TenantAsync();

        var response = await host.RequestTokenAsync(clientId, secret, basic);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(900, body.GetProperty("expires_in").GetInt32());

        var jwks = new JsonWebKeySet(await host.Client.GetStringAsync("/.well-known/jwks.json"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(body.GetProperty("access_token").GetString(), new TokenValidationParameters
        {
            ValidIssuer = "finqware",
            ValidAudience = "finqware-api",
            IssuerSigningKeys = jwks.GetSigningKeys(),
            LifetimeValidator = (_, _, _, _) => true,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(clientId, result.Claims["client_id"]);
        Assert.Equal(servicer, result.Claims["servicer"]);
        Assert.Equal("sandbox", result.Claims["environment"]);
        Assert.Contains("data:read", (string)result.Claims["scope"], StringComparison.Ordinal);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal(TimeSpan.FromMinutes(15), token.ValidTo - token.ValidFrom);
        Assert.Equal("ES256", token.Alg);
    }

    [Fact]
    public async Task A_wrong_secret_is_invalid_client_as_rfc_6749_says()
    {
        var (_, _, clientId, secret) = await TenantAsync();

        var response = await host.RequestTokenAsync(clientId, secret + "x");
        var basic = await host.RequestTokenAsync(clientId, "nope", basic: true);
        var unknown = await host.RequestTokenAsync("fqc_unknown", secret);

        foreach (var r in new[] { response, basic, unknown })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            var error = await r.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("invalid_client", error.GetProperty("error").GetString());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("error_description").GetString()));
        }

        Assert.StartsWith("Basic", basic.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_token_requests_get_rfc_6749_errors()
    {
        using var wrongGrant = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password" });
        using var noGrant = new FormUrlEncodedContent(new Dictionary<string, string> { ["client_id"] = "x" });

        var unsupported = await host.Client.PostAsync("/oauth/token", wrongGrant);
        var missing = await host.Client.PostAsync("/oauth/token", noGrant);
        var json = await host.Client.PostAsJsonAsync("/oauth/token", new { grant_type = "client_credentials" });

        Assert.Equal("unsupported_grant_type", (await unsupported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal("invalid_request", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal("invalid_request", (await json.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.All(new[] { unsupported, missing, json }, r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
    }

    [Fact]
    public async Task Portal_and_api_tokens_are_never_accepted_for_each_other()
    {
        var (servicer, portalToken, clientId, secret) = await TenantAsync();
        var apiToken = (await (await host.RequestTokenAsync(clientId, secret)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();

        var apiOnPortal = await host.SendAsync(HttpMethod.Get, $"/servicers/{servicer}/tenants", apiToken);
        var portalOnApi = await host.SendAsync(HttpMethod.Get, "/tenants/me", portalToken);
        var apiOnApi = await host.SendAsync(HttpMethod.Get, "/tenants/me", apiToken);
        var portalOnPortal = await host.SendAsync(HttpMethod.Get, $"/servicers/{servicer}/tenants", portalToken);

        Assert.Equal(HttpStatusCode.Unauthorized, apiOnPortal.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, portalOnApi.StatusCode);
        Assert.Equal("INVALID_TOKEN", (await apiOnPortal.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, apiOnApi.StatusCode);
        Assert.Equal(clientId, (await apiOnApi.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("client_id").GetString());
        Assert.Equal(HttpStatusCode.OK, portalOnPortal.StatusCode);
    }

    [Fact]
    public async Task A_rotated_secret_keeps_working_for_its_grace_period_then_stops()
    {
        var (_, portal, clientId, oldSecret) = await TenantAsync();

        var rotated = await host.PostJsonAsync($"/tenants/{clientId}/keys/rotate", new { key = "secret" }, portal);
        var newSecret = rotated.GetProperty("value").GetString()!;

        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal(HttpStatusCode.OK, (await host.RequestTokenAsync(clientId, oldSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.RequestTokenAsync(clientId, newSecret)).StatusCode);

        host.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.RequestTokenAsync(clientId, oldSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.RequestTokenAsync(clientId, newSecret)).StatusCode);
    }

    [Fact]
    public async Task A_revoked_secret_stops_working_at_once()
    {
        var (_, portal, clientId, oldSecret) = await TenantAsync();

        var revoked = await host.PostJsonAsync($"/tenants/{clientId}/keys/revoke", new { key = "secret" }, portal);

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.RequestTokenAsync(clientId, oldSecret)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.RequestTokenAsync(clientId, revoked.GetProperty("value").GetString()!)).StatusCode);
    }

    [Fact]
    public async Task A_deleted_tenant_can_no_longer_get_tokens()
    {
        var (_, portal, clientId, secret) = await TenantAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, $"/tenants/{clientId}", portal)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.RequestTokenAsync(clientId, secret)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync(HttpMethod.Get, $"/tenants/{clientId}", portal)).StatusCode);
    }

    [Fact]
    public async Task Signing_keys_rotate_by_kid_and_tokens_of_the_old_key_still_validate()
    {
        var (_, _, clientId, secret) = await TenantAsync();
        var before = (await (await host.RequestTokenAsync(clientId, secret)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

        var store = host.Services.GetRequiredService<SigningKeyStore>();
        var newKid = await store.RotateAsync(CancellationToken.None);
        var after = (await (await host.RequestTokenAsync(clientId, secret)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

        var jwks = new JsonWebKeySet(await host.Client.GetStringAsync("/.well-known/jwks.json"));
        Assert.True(jwks.Keys.Count >= 2);
        Assert.Equal(newKid, new JsonWebToken(after).Kid);
        Assert.NotEqual(newKid, new JsonWebToken(before).Kid);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/tenants/me", before)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/tenants/me", after)).StatusCode);
    }
}
