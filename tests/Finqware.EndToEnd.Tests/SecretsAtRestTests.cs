using Finqware.AppHost.Hosting;
using Finqware.Contracts.Tenants;
using Npgsql;

namespace Finqware.EndToEnd.Tests;

/// <summary>
/// Secrets a reader of the databases or the broker must not find (docs/security.md): the whole system, TenantService
/// publishing to SessionService over the broker, searched table by table and message by message.
/// </summary>
[Collection(SharedSystem.Name)]
public sealed class SecretsAtRestTests(SystemFixture system)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private PostgresResource Postgres => (PostgresResource)system.Host["postgres"];

    [Fact]
    public async Task A_webhook_secret_and_its_old_signing_key_are_in_no_database_and_no_message_after_a_creation_and_a_rotation()
    {
        var broker = ((RabbitMqResource)system.Host["messaging"]).ConnectionString!;
        await using var events = await MessageRecorder.StartAsync(broker, record => record.Record<TenantUpserted>());
        var tenant = await ApiTenants.CreateAsync(system, Cancel);
        using var rotate = new HttpRequestMessage(HttpMethod.Post, $"/tenants/{tenant.ClientId}/keys/rotate")
        {
            Content = JsonContent.Create(new { key = "webhook_secret", grace_period_seconds = 3600 }),
        };
        rotate.Headers.Authorization = tenant.Portal;
        var rotated = await (await system.Gateway.SendAsync(rotate, Cancel)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var second = rotated.GetProperty("value").GetString()!;
        var first = tenant.WebhookSecret;

        // SessionService has both keys (sealed): the rotation reached it over the broker.
        await WaitForAsync(async () => await ScalarAsync<int>("sessiondb",
            "SELECT coalesce((SELECT jsonb_array_length(webhook_keys) FROM tenants WHERE client_id = @client_id), 0)", tenant.ClientId) == 2);
        await WaitForAsync(() => Task.FromResult(events.Of<TenantUpserted>().Count(e => e.ClientId == tenant.ClientId) >= 2));
        var stored = new Dictionary<string, string>
        {
            ["sessiondb"] = await DatabaseDump.ReadAsync(Postgres.ConnectionStringFor("sessiondb")),
            ["tenantdb"] = await DatabaseDump.ReadAsync(Postgres.ConnectionStringFor("tenantdb")),
            ["TenantUpserted on the broker"] = string.Join('\n', events.Raw),
        };

        Assert.Contains(tenant.ClientId, stored["sessiondb"], StringComparison.Ordinal);
        foreach (var (where, text) in stored)
        {
            foreach (var form in new[] { first, second }.SelectMany(WebhookSecretForms.Of))
            {
                Assert.False(text.Contains(form, StringComparison.OrdinalIgnoreCase), $"{where} holds a webhook secret or its signing key ({form[..6]}…)");
            }
        }
    }

    private async Task<T> ScalarAsync<T>(string database, string sql, string clientId)
    {
        await using var connection = new NpgsqlConnection(Postgres.ConnectionStringFor(database));
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("client_id", clientId);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }

    private async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold in time.");
            await Task.Delay(100, Cancel);
        }
    }
}
