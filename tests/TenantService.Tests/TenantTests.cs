using Npgsql;

namespace Finqware.TenantService.Tests;

public sealed class TenantTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private TenantServiceHost host = null!;

    public async ValueTask InitializeAsync() => host = await TenantServiceHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Creating_a_tenant_returns_its_credentials_once_and_stores_only_their_hashes()
    {
        var (servicer, token) = await host.NewServicerAsync();

        var created = await host.NewTenantAsync(servicer, token, "xyz_aisp_sbx_#1.0", "xyz_sbx_#3.0");

        var clientId = created.GetProperty("client_id").GetString()!;
        var secrets = new[] { "client_app_key", "client_secret", "webhook_secret" }.Select(k => created.GetProperty(k).GetString()!).ToList();
        Assert.All(secrets, s => Assert.True(s.Length >= 48, "each secret carries at least 256 bits"));
        Assert.Equal(3, secrets.Distinct().Count());
        Assert.Equal(["xyz_aisp_sbx_#1.0", "xyz_sbx_#3.0"], created.GetProperty("skills").EnumerateArray().Select(s => s.GetString()));

        var shown = await (await host.SendAsync(HttpMethod.Get, $"/tenants/{Uri.EscapeDataString(clientId)}", token)).Content.ReadAsStringAsync();
        Assert.Contains(clientId, shown, StringComparison.Ordinal);
        Assert.All(secrets, s => Assert.DoesNotContain(s, shown, StringComparison.Ordinal));

        var stored = await DumpTableAsync("tenant_keys") + await DumpTableAsync("tenants") + await DumpTableAsync("outbox_messages");
        Assert.All(secrets, s => Assert.DoesNotContain(s, stored, StringComparison.Ordinal));
        Assert.Contains(Tenants.Secrets.Hash(secrets[1]), stored, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://10.0.0.5/hooks")]
    [InlineData("https://192.168.1.20/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[fd00::1]/hooks")]
    [InlineData("http://wallet.example/hooks")]
    [InlineData("https://user:password@wallet.example/hooks")]
    public async Task A_webhook_url_that_is_not_https_to_a_public_address_is_a_422_at_creation_and_at_a_change(string url)
    {
        var (servicer, token) = await host.NewServicerAsync();

        var problem = await host.PostJsonAsync($"/servicers/{servicer}/tenants",
            new { name = "Wallet", environment = "sandbox", skills = new[] { "xyz_aisp_sbx_#1.0" }, webhook_url = url }, token, 422);

        Assert.Equal("VALIDATION_FAILED", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("webhook_url", out _));
        // A loopback receiver is fine while developing (this host runs as Development, like the AppHost).
        var created = await host.PostJsonAsync($"/servicers/{servicer}/tenants",
            new { name = "Wallet", environment = "sandbox", skills = new[] { "xyz_aisp_sbx_#1.0" }, webhook_url = "http://127.0.0.1:9/hooks" }, token, 201);
        // Changing it later goes through the same rules.
        using var patched = await host.SendAsync(HttpMethod.Patch, $"/tenants/{Uri.EscapeDataString(created.GetProperty("client_id").GetString()!)}", token, new { webhook_url = url });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, patched.StatusCode);
        Assert.True((await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("webhook_url", out _));
    }

    [Fact]
    public async Task An_unknown_skill_is_a_422_naming_it()
    {
        var (servicer, token) = await host.NewServicerAsync();

        var problem = await host.PostJsonAsync($"/servicers/{servicer}/tenants",
            new { name = "Wallet", environment = "sandbox", skills = new[] { "xyz_aisp_sbx_#1.0", "nope_#9" } }, token, 422);

        Assert.Equal("UNKNOWN_SKILL", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("skills[1]", out _));
    }

    [Fact]
    public async Task A_production_skill_on_a_sandbox_tenant_is_a_422_with_its_own_code()
    {
        var (servicer, token) = await host.NewServicerAsync();

        var problem = await host.PostJsonAsync($"/servicers/{servicer}/tenants",
            new { name = "Wallet", environment = "sandbox", skills = new[] { "xyz_aisp_#1.0" } }, token, 422);

        Assert.Equal("PRODUCTION_SKILL_ON_SANDBOX_TENANT", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Another_servicers_tenant_is_404_everywhere()
    {
        var (mine, myToken) = await host.NewServicerAsync();
        var (_, otherToken) = await host.NewServicerAsync();
        var clientId = Uri.EscapeDataString((await host.NewTenantAsync(mine, myToken)).GetProperty("client_id").GetString()!);

        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/tenants/{clientId}", null),
            (HttpMethod.Put, $"/tenants/{clientId}/skills", new { skills = Array.Empty<string>() }),
            (HttpMethod.Post, $"/tenants/{clientId}/keys/rotate", new { key = "secret" }),
            (HttpMethod.Post, $"/tenants/{clientId}/keys/revoke", new { key = "secret" }),
            (HttpMethod.Delete, $"/tenants/{clientId}", null),
            (HttpMethod.Get, $"/servicers/{mine}/tenants", null),
            (HttpMethod.Post, $"/servicers/{mine}/tenants", new { name = "x", environment = "sandbox", skills = Array.Empty<string>() }),
        };
        foreach (var (method, path, body) in attempts)
        {
            var response = await host.SendAsync(method, path, otherToken, body);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered {(int)response.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, $"/tenants/{clientId}", myToken)).StatusCode);
    }

    [Fact]
    public async Task Tenant_endpoints_need_a_portal_token()
    {
        var missing = await host.SendAsync(HttpMethod.Get, "/servicers/00000000-0000-0000-0000-000000000001/tenants");
        var garbage = await host.SendAsync(HttpMethod.Get, "/servicers/00000000-0000-0000-0000-000000000001/tenants", "not.a.token");

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("TOKEN_REQUIRED", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);
        Assert.Equal("INVALID_TOKEN", (await garbage.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Updating_skills_checks_them_and_listing_shows_only_the_servicers_tenants()
    {
        var (servicer, token) = await host.NewServicerAsync();
        var clientId = (await host.NewTenantAsync(servicer, token)).GetProperty("client_id").GetString()!;

        var update = await host.SendAsync(HttpMethod.Put, $"/tenants/{Uri.EscapeDataString(clientId)}/skills", token, new { skills = new[] { "xyz_sbx_#3.0" } });
        var bad = await host.SendAsync(HttpMethod.Put, $"/tenants/{Uri.EscapeDataString(clientId)}/skills", token, new { skills = new[] { "xyz_aisp_#1.0" } });
        var list = await (await host.SendAsync(HttpMethod.Get, $"/servicers/{servicer}/tenants", token)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal((HttpStatusCode)422, bad.StatusCode);
        var tenant = Assert.Single(list.EnumerateArray());
        Assert.Equal(["xyz_sbx_#3.0"], tenant.GetProperty("skills").EnumerateArray().Select(s => s.GetString()));
    }

    private async Task<string> DumpTableAsync(string table)
    {
        await using var connection = new NpgsqlConnection(host.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM {table} t", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
