namespace Finqware.TenantService.Tests;

public sealed class SecretLoggingTests(PostgresServerFixture postgres, RabbitMqFixture rabbit)
{
    [Fact]
    public async Task A_full_flow_logs_none_of_the_passwords_keys_secrets_or_tokens()
    {
        await using var host = await TenantServiceHost.StartAsync(postgres, rabbit, new()
        {
            // Everything, at every level: a secret must not show up even in trace output.
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Information",
        });
        var sensitive = new List<string> { TenantServiceHost.TestPassword };

        var (servicer, portal) = await host.NewServicerAsync();
        sensitive.Add(portal);
        await host.PostJsonAsync("/auth/token", new { email = "nobody@example.com", password = "a wrong password 123" }, expectStatus: 401);
        sensitive.Add("a wrong password 123");
        var tenant = await host.NewTenantAsync(servicer, portal, "xyz_aisp_sbx_#1.0");
        var clientId = tenant.GetProperty("client_id").GetString()!;
        sensitive.AddRange(new[] { "client_app_key", "client_secret", "webhook_secret" }.Select(k => tenant.GetProperty(k).GetString()!));
        var token = await (await host.RequestTokenAsync(clientId, tenant.GetProperty("client_secret").GetString()!)).Content.ReadFromJsonAsync<JsonElement>();
        sensitive.Add(token.GetProperty("access_token").GetString()!);
        await host.RequestTokenAsync(clientId, "fqsk_guessed-secret-value", basic: true);
        sensitive.Add("fqsk_guessed-secret-value");
        foreach (var key in new[] { "secret", "app_key", "webhook_secret" })
        {
            sensitive.Add((await host.PostJsonAsync($"/tenants/{clientId}/keys/rotate", new { key }, portal)).GetProperty("value").GetString()!);
        }

        await Task.Delay(500, TestContext.Current.CancellationToken);
        var logs = string.Join('\n', host.Logs);
        Assert.True(host.Logs.Count > 20, "the flow should have produced logs to search");
        Assert.Contains(clientId, logs, StringComparison.Ordinal);
        foreach (var secret in sensitive)
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
    }
}
