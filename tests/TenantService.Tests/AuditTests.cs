namespace Finqware.TenantService.Tests;

/// <summary>The audit log: every credential, role and skill-list change, with who, what, when and from where; admins only; no secrets.</summary>
public sealed class AuditTests(PostgresServerFixture postgres, RabbitMqFixture rabbit) : IAsyncLifetime
{
    private TenantServiceHost host = null!;

    public async ValueTask InitializeAsync() => host = await TenantServiceHost.StartAsync(postgres, rabbit);

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Every_change_is_recorded_with_who_what_when_and_where_and_no_secret()
    {
        var started = DateTimeOffset.UtcNow.AddMinutes(-1);
        var email = $"audit-{Guid.NewGuid():N}@example.com";
        var (servicer, token) = await host.NewServicerAsync(email);
        var devEmail = $"dev-{Guid.NewGuid():N}@example.com";
        var dev = (await host.PostJsonAsync($"/servicers/{servicer}/users", new { email = devEmail, password = TenantServiceHost.TestPassword, role = "developer" }, token, 201))
            .GetProperty("user_id").GetString();
        await host.SendAsync(HttpMethod.Patch, $"/servicers/{servicer}/users/{dev}", token, new { role = "viewer" });
        var tenant = await host.NewTenantAsync(servicer, token);
        var clientId = tenant.GetProperty("client_id").GetString()!;
        var path = $"/tenants/{Uri.EscapeDataString(clientId)}";
        await host.SendAsync(HttpMethod.Put, path + "/skills", token, new { skills = new[] { "xyz_aisp_sbx_#1.0" } });
        var rotated = await host.PostJsonAsync(path + "/keys/rotate", new { key = "secret", grace_period_seconds = 60 }, token);
        var revoked = await host.PostJsonAsync(path + "/keys/revoke", new { key = "webhook_secret" }, token);
        await host.SendAsync(HttpMethod.Delete, $"/servicers/{servicer}/users/{dev}", token);
        await host.SendAsync(HttpMethod.Delete, path, token);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/servicers/{servicer}/audit-events?limit=200");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = JsonSerializer.Deserialize<JsonElement>(text).GetProperty("events").EnumerateArray().ToList();

        Assert.Equal(
            ["tenant.deleted", "user.removed", "tenant.key_revoked", "tenant.key_rotated", "tenant.skills_changed", "tenant.created", "user.role_changed", "user.added", "servicer.created"],
            events.Select(e => e.GetProperty("action").GetString()));
        Assert.All(events, e =>
        {
            Assert.Equal(email, e.GetProperty("actor").GetProperty("email").GetString());
            Assert.Equal("203.0.113.10", e.GetProperty("ip_address").GetString());
            Assert.InRange(e.GetProperty("occurred_at").GetDateTimeOffset(), started, DateTimeOffset.UtcNow.AddMinutes(1));
        });
        var roleChange = events.Single(e => e.GetProperty("action").GetString() == "user.role_changed");
        Assert.Equal(dev, roleChange.GetProperty("target").GetProperty("id").GetString());
        Assert.Equal("developer", roleChange.GetProperty("details").GetProperty("role").GetProperty("from").GetString());
        Assert.Equal("viewer", roleChange.GetProperty("details").GetProperty("role").GetProperty("to").GetString());
        var skills = events.Single(e => e.GetProperty("action").GetString() == "tenant.skills_changed");
        Assert.Equal(clientId, skills.GetProperty("target").GetProperty("id").GetString());
        Assert.Equal(["xyz_aisp_sbx_#1.0"], skills.GetProperty("details").GetProperty("skills").GetProperty("to").EnumerateArray().Select(s => s.GetString()));

        // Secrets shown once stay out of the log.
        foreach (var secret in new[] { tenant.GetProperty("client_secret"), tenant.GetProperty("client_app_key"), tenant.GetProperty("webhook_secret"), rotated.GetProperty("value"), revoked.GetProperty("value") })
        {
            Assert.DoesNotContain(secret.GetString()!, text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(TenantServiceHost.TestPassword, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_log_pages_newest_first_and_another_servicers_log_is_404()
    {
        var (servicer, token) = await host.NewServicerAsync();
        for (var i = 0; i < 3; i++)
        {
            await host.NewTenantAsync(servicer, token);
        }

        var first = await Page(servicer, token, "limit=2");
        var second = await Page(servicer, token, $"limit=2&before={first.GetProperty("next_before").GetInt64()}");
        var (_, otherToken) = await host.NewServicerAsync();
        using var foreign = await host.SendAsync(HttpMethod.Get, $"/servicers/{servicer}/audit-events", otherToken);

        Assert.Equal(2, first.GetProperty("events").GetArrayLength());
        Assert.Equal(2, second.GetProperty("events").GetArrayLength());
        Assert.False(second.TryGetProperty("next_before", out _), "the last page names no next one");
        Assert.Equal("servicer.created", second.GetProperty("events")[1].GetProperty("action").GetString());
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("SERVICER_NOT_FOUND", (await foreign.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    private async Task<JsonElement> Page(string servicer, string token, string query)
    {
        using var response = await host.SendAsync(HttpMethod.Get, $"/servicers/{servicer}/audit-events?{query}", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
